"""A TypeScript client generated from docs/openapi.json (openapi-typescript) compiles with
`tsc --strict`, and the real answers of the live server type-check against it (#22 item 11).

Each answer is written into a .ts file as a typed constant: TypeScript checks object
literals for properties their type does not name (excess property checks, at every depth),
so a field the server sends and the document lacks (such as `purpose_i18n` once) fails the
compile, as does a field the document requires and the server leaves out."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import ROOT  # noqa: E402
from api.test_api import Server  # noqa: E402

BIN = os.path.join(ROOT, "tests", "node_modules", ".bin")

# What a developer writes against the generated types: it must compile as it is.
CLIENT = """\
import type { components, paths } from "./schema";

export type Entry = components["schemas"]["Entry"];
export type List = components["schemas"]["List"];
export type Health = paths["/healthz"]["get"]["responses"][200]["content"]["application/json"];

export async function list(base: string, lang?: string): Promise<List> {
  const r = await fetch(base + "/v1/subprocessors", { headers: lang ? { "Accept-Language": lang } : {} });
  if (!r.ok) {
    const e = (await r.json()) as components["schemas"]["Error"];
    throw new Error(e.error.message);
  }
  return (await r.json()) as List;
}

/** Where a vendor's contracting entity sits, and where its data goes. */
export function places(e: Entry): string[] {
  return [e.entity.country, ...e.locations.map((l) => l.country + " " + l.use)];
}

export function purposeIn(e: Entry, lang: string): string {
  return e.purpose_i18n?.[lang] ?? e.purpose;
}

export function safeguards(e: Entry): string[] {
  return e.transfers.map((t) => (t.country ?? t.organisation ?? "?") + ": " + t.mechanism + (t.clauses ? " " + t.clauses : ""));
}

export function dpaSigned(e: Entry): string | undefined {
  return typeof e.dpa === "object" ? e.dpa.signed : undefined;
}

export function healthy(h: Health): boolean {
  return h.status === "ok" && (h.upstream?.reachable ?? true);
}
"""


class GeneratedClient(Server):
    def answers(self):
        """(TypeScript type, real answer) for the routes a client reads and writes."""
        r, e = self.reader, self.editor
        out = []

        def get(path, ty, token=None, status=200):
            st, _, doc = self.jreq("GET", path, token=token)
            self.assertEqual(st, status, (path, doc))
            out.append((ty, doc, path))

        get("/v1/subprocessors", 'components["schemas"]["List"]')
        get("/v1/subprocessors?view=customer", 'components["schemas"]["List"]', r)
        get("/v1/subprocessors?view=internal&status=all", 'components["schemas"]["List"]', r)
        for id_ in ("aws", "mistral", "gladia"):
            get("/v1/subprocessors/%s?view=internal" % id_, 'components["schemas"]["Entry"]', r)
        get("/v1/subprocessors/aws/history?view=internal", 'components["schemas"]["History"]', r)
        get("/v1/changes", 'components["schemas"]["Changes"]')
        get("/v1/compliance", 'components["schemas"]["Compliance"]', r)
        get("/v1/reference/countries", 'components["schemas"]["Countries"]')
        get("/healthz", 'paths["/healthz"]["get"]["responses"][200]["content"]["application/json"]')
        get("/v1/subprocessors/nobody", 'components["schemas"]["Error"]', status=404)
        xml = self.seed_xml("mistral")
        st, _, doc = self.jreq("POST", "/v1/validate", body=xml.encode(), token=e,
                               headers={"Content-Type": "application/xml"})
        self.assertEqual(st, 200, doc)
        out.append(('paths["/v1/validate"]["post"]["responses"][200]["content"]["application/json"]', doc, "validate"))
        st, _, doc = self.jreq("POST", "/v1/validate", body=xml.replace("<purpose>", "<purpose><b/>").encode(), token=e,
                               headers={"Content-Type": "application/xml"})
        self.assertEqual(st, 422, doc)
        out.append(('components["schemas"]["Problems"]', doc, "validate 422"))
        st, _, doc = self.put("mistral", xml.replace("<purpose>", "<purpose>Typed "))
        self.assertEqual(st, 200, doc)
        out.append(('components["schemas"]["WriteResult"]', doc, "PUT"))
        return out

    def test_the_generated_client_compiles_strict_and_real_answers_fit_it(self):
        for tool in ("openapi-typescript", "tsc"):
            self.assertTrue(os.access(os.path.join(BIN, tool), os.X_OK), "make test installs %s in tests/" % tool)
        work = os.path.join(self.tmp, "client")
        os.makedirs(work)
        p = subprocess.run([os.path.join(BIN, "openapi-typescript"), os.path.join(ROOT, "docs", "openapi.json"),
                            "-o", os.path.join(work, "schema.d.ts")], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        with open(os.path.join(work, "client.ts"), "w") as f:
            f.write(CLIENT)
        with open(os.path.join(work, "answers.ts"), "w") as f:
            f.write('import type { components, paths } from "./schema";\n\n')
            for i, (ty, doc, what) in enumerate(self.answers()):
                f.write("// %s\nexport const a%d: %s = %s;\n\n" % (what, i, ty, json.dumps(doc, indent=1)))
        p = subprocess.run([os.path.join(BIN, "tsc"), "--strict", "--noEmit", "--exactOptionalPropertyTypes",
                            "--target", "es2022", "--module", "es2022", "--moduleResolution", "bundler",
                            "--lib", "es2022,dom", "client.ts", "answers.ts"],
                           capture_output=True, text=True, cwd=work, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout[-6000:] + p.stderr[-2000:])
