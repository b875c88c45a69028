"""A TCP proxy on loopback that injects faults between subreg and a real server (git daemon):
mode "pass" forwards, "stall" accepts connections and then sends nothing (a black hole that
looks alive), "refuse" closes each connection at once, "cut-report" forwards a push but drops
what the server says after the client has sent its commands and pack (the upstream applies
the push; the report never arrives). Used in-process by the fault tests."""
import socket
import threading


class FaultProxy:
    def __init__(self, target_port, host="127.0.0.1"):
        self.target = (host, target_port)
        self.mode = "pass"
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.closed = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.closed:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            if self.mode == "stall":
                self.held.append(c)          # never read, never answered, never closed
            elif self.mode == "refuse":
                c.close()
            else:
                threading.Thread(target=self.pipe, args=(c,), daemon=True).start()

    def pipe(self, c):
        try:
            u = socket.create_connection(self.target, timeout=30)
        except OSError:
            c.close()
            return

        state = {"client_spoke": 0, "cut": False}
        cut_mode = self.mode == "cut-report"

        def one_way(a, b, from_client):
            try:
                while True:
                    data = a.recv(65536)
                    if not data:
                        break
                    if from_client:
                        state["client_spoke"] += 1
                        if state["client_spoke"] == 1:
                            state["push"] = b"git-receive-pack" in data
                        elif cut_mode and state.get("push"):
                            state["cut"] = True   # commands and pack on their way: no report back
                    elif state["cut"]:
                        continue
                    b.sendall(data)
            except OSError:
                pass
            finally:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
        threading.Thread(target=one_way, args=(c, u, True), daemon=True).start()
        one_way(u, c, False)

    def close(self):
        self.closed = True
        self.sock.close()
        for c in self.held:
            c.close()
