"""subreg init, the push guard (the real git command line), log and export."""
import json
import os
import sqlite3
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import SEED, TempDirTest, git, run  # noqa: E402


class StoreCase(TempDirTest):
    def setUp(self):
        super().setUp()
        self.repo = os.path.join(self.tmp, "registry.git")
        self.state = os.path.join(self.tmp, "state")
        p = run(["init", "--registry", self.repo, "--from", SEED])
        self.assertSanitizerClean(p)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.clone = os.path.join(self.tmp, "clone")
        git(["clone", "-q", self.repo, self.clone], cwd=self.tmp)

    def tip(self):
        return git(["rev-parse", "refs/heads/main"], cwd=self.repo).stdout.strip()

    def edit(self, name, old, new):
        path = os.path.join(self.clone, "subprocessors", name)
        with open(path) as f:
            s = f.read()
        self.assertIn(old, s)
        with open(path, "w") as f:
            f.write(s.replace(old, new))

    def push(self, *extra):
        return git(["push", "origin"] + list(extra or ["main"]), cwd=self.clone, check=False)


class Store(StoreCase):
    def test_init_layout(self):
        self.assertEqual(git(["symbolic-ref", "HEAD"], cwd=self.repo).stdout.strip(), "refs/heads/main")
        self.assertEqual(git(["rev-parse", "--is-bare-repository"], cwd=self.repo).stdout.strip(), "true")
        hook = os.path.join(self.repo, "hooks", "pre-receive")
        self.assertTrue(os.access(hook, os.X_OK))
        self.assertTrue(os.path.isfile(os.path.join(self.clone, "subprocessors", "aws.xml")))
        self.assertEqual(git(["branch", "--show-current"], cwd=self.clone).stdout.strip(), "main")

    def test_init_refuses_existing(self):
        before = self.tip()
        p = run(["init", "--registry", self.repo, "--from", SEED])
        self.assertEqual(p.returncode, 2)
        self.assertIn("already holds a git repository", p.stderr)
        self.assertEqual(self.tip(), before)

    def test_init_refuses_non_empty_dir_and_serve_refuses_work_tree(self):
        busy = os.path.join(self.tmp, "busy")
        os.makedirs(busy)
        open(os.path.join(busy, "notes.txt"), "w").close()
        p = run(["init", "--registry", busy, "--from", SEED])
        self.assertEqual(p.returncode, 2)
        self.assertIn("not empty", p.stderr)
        p = run(["serve", "--registry", self.clone, "--state", self.state, "--listen", "127.0.0.1:1"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("bare repository", p.stderr)

    def test_init_refuses_invalid_source(self):
        src = self.copy_seed("bad")
        path = os.path.join(src, "subprocessors", "aws.xml")
        with open(path) as f:
            s = f.read()
        with open(path, "w") as f:
            f.write(s.replace("<status>active</status>", "<status>x</status>"))
        p = run(["init", "--registry", os.path.join(self.tmp, "bad.git"), "--from", src])
        self.assertEqual(p.returncode, 1)
        self.assertIn("aws.xml:17:", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "bad.git")))

    def test_invalid_push_rejected_with_lines(self):
        before = self.tip()
        self.edit("aws.xml", "<status>active</status>", "<status>actve</status>")
        self.edit("twilio.xml", '<location country="US" use="processing"/>',
                  '<location country="US" use="processing"/>\n    <location country="IN" use="access"/>')
        git(["commit", "-qam", "break two files"], cwd=self.clone)
        p = self.push()
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("subprocessors/aws.xml:17:3: error[schema]:", p.stderr)
        self.assertIn("subprocessors/twilio.xml:24:5: error[transfer-missing]:", p.stderr)
        self.assertIn("pre-receive hook declined", p.stderr)
        self.assertEqual(self.tip(), before)
        self.assertSanitizerClean(p)

    def test_rule_error_of_changed_entry_blocks_but_not_of_others(self):
        before = self.tip()
        self.edit("aws.xml", ' tia="2026-09-01"', "")
        git(["commit", "-qam", "drop the TIA"], cwd=self.clone)
        p = self.push()
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("error[tia-missing]", p.stderr)
        self.assertEqual(self.tip(), before)

    def test_valid_push_lands_and_warnings_do_not_block(self):
        self.edit("aws.xml", ' tia="2026-09-01"', ' tia="2024-01-01"')  # stale TIA: a warning
        git(["commit", "-qam", "older TIA"], cwd=self.clone)
        p = self.push()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("warning[tia-stale]", p.stderr)
        self.assertEqual(self.tip(), git(["rev-parse", "HEAD"], cwd=self.clone).stdout.strip())

    def test_delete_and_force_push_of_main_refused(self):
        before = self.tip()
        p = self.push(":main")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("refusing to delete", p.stderr)
        git(["commit", "-q", "--amend", "-m", "rewritten"], cwd=self.clone)
        p = self.push("-f", "main")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("non-fast-forward", p.stderr)
        self.assertEqual(self.tip(), before)

    def test_branches_validated_but_free(self):
        git(["checkout", "-qb", "draft"], cwd=self.clone)
        self.edit("mistral.xml", "<status>active</status>", "<status>nope</status>")
        git(["commit", "-qam", "bad draft"], cwd=self.clone)
        p = self.push("draft")
        self.assertNotEqual(p.returncode, 0)
        self.edit("mistral.xml", "<status>nope</status>", "<status>active</status>")
        git(["commit", "-qam", "fixed draft"], cwd=self.clone)
        p = self.push("draft")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.push(":draft")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_log_and_export(self):
        self.edit("zendesk.xml", '<location country="PH" use="access"/>', "")
        self.edit("zendesk.xml", '<transfer country="PH" mechanism="scc" clauses="2021/914" module="2 3" signed="2023-02-27" tia="2026-03-10"/>', "")
        git(["commit", "-qam", "Zendesk: Manila support ended"], cwd=self.clone)
        self.assertEqual(self.push().returncode, 0)
        p = run(["log", "zendesk", "--registry", self.repo, "--state", self.state, "--format", "json"])
        self.assertEqual(p.returncode, 0, p.stderr)
        log = json.loads(p.stdout)
        self.assertEqual([c["change"] for c in log], ["changed", "added"])
        self.assertIn("location PH access removed", log[0]["summary"])
        self.assertEqual(log[0]["author"], "Legal Team")
        p = run(["log", "--registry", self.repo, "--state", self.state])
        self.assertIn("Changed: zendesk", p.stdout)
        self.assertIn("Added: Amazon Web Services", p.stdout)
        # the index is derived: delete it and the same answer comes back
        os.remove(os.path.join(self.state, "index.sqlite"))
        p2 = run(["log", "--registry", self.repo, "--state", self.state])
        self.assertEqual(p.stdout, p2.stdout)
        # export: public view has no internal fields
        p = run(["export", "--registry", self.repo])
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["revision"], self.tip())
        ids = [e["id"] for e in doc["subprocessors"]]
        self.assertIn("zendesk", ids)
        self.assertNotIn("voicebase", ids)  # retired: not in the default list
        text = p.stdout
        for internal in ("Kaisaniemenkatu", "dpa", "tia", "internal", "waiver", "38 Avenue"):
            self.assertNotIn(internal, text)
        p = run(["export", "--registry", self.repo, "--internal", "--status", "all"])
        self.assertIn('"tia"', p.stdout)
        self.assertIn("voicebase", p.stdout)
        # as it was: the first commit still had PH
        first = git(["rev-list", "--max-parents=0", "main"], cwd=self.repo).stdout.strip()
        p = run(["export", "--registry", self.repo, "--at", first, "--format", "csv"])
        self.assertIn("PH access", p.stdout)
        p = run(["export", "--registry", self.repo, "--format", "csv"])
        self.assertNotIn("PH access", p.stdout)
        self.assertTrue(p.stdout.startswith("id,name,entity_country"))
        p = run(["export", "--registry", self.repo, "--country", "US", "--mechanism", "dpf", "--format", "csv"])
        self.assertEqual([l.split(",")[0] for l in p.stdout.splitlines()[1:]], ["sentry", "twilio"])
        p = run(["export", "--registry", SEED, "--q", "speech", "--status", "all"])
        self.assertEqual([e["id"] for e in json.loads(p.stdout)["subprocessors"]], ["elevenlabs", "gladia", "speechmatics", "voicebase"])
        self.assertEqual(run(["export", "--registry", SEED, "--country", "EU"]).returncode, 2)
        p = run(["export", "--registry", self.repo, "--state", self.state, "--at", "2000-01-01"])
        self.assertEqual(p.returncode, 2)
        p = run(["export", "--registry", self.repo, "--state", self.state, "--at", "2099-01-01", "--format", "md"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("| Zendesk International Limited |", p.stdout)

    def test_push_visible_to_index_reader(self):
        # index query tables follow main after a push made with the git command line
        run(["log", "--registry", self.repo, "--state", self.state])
        self.edit("mistral.xml", "<purpose>LLM inference", "<purpose>Large language model inference")
        git(["commit", "-qam", "reword"], cwd=self.clone)
        self.assertEqual(self.push().returncode, 0)
        p = run(["log", "mistral", "--registry", self.repo, "--state", self.state])
        self.assertIn("purpose LLM inference", p.stdout)
        db = sqlite3.connect(os.path.join(self.state, "index.sqlite"))
        (tip,) = db.execute("SELECT value FROM meta WHERE key='tip'").fetchone()
        self.assertEqual(tip, self.tip())

    def test_concurrent_pushes_lose_nothing(self):
        # two clones push different valid changes at once: one lands, the other is told to
        # pull; after pull+push both changes are on main and fsck is clean.
        other = os.path.join(self.tmp, "other")
        git(["clone", "-q", self.repo, other], cwd=self.tmp)
        self.edit("aws.xml", "<purpose>Cloud hosting", "<purpose>EU cloud hosting")
        git(["commit", "-qam", "aws wording"], cwd=self.clone)
        path = os.path.join(other, "subprocessors", "mistral.xml")
        with open(path) as f:
            s = f.read()
        with open(path, "w") as f:
            f.write(s.replace("<purpose>LLM", "<purpose>Hosted LLM"))
        git(["commit", "-qam", "mistral wording"], cwd=other)
        results = {}

        def push(name, cwd):
            results[name] = git(["push", "origin", "main"], cwd=cwd, check=False).returncode

        t = [threading.Thread(target=push, args=("a", self.clone)), threading.Thread(target=push, args=("b", other))]
        for x in t:
            x.start()
        for x in t:
            x.join()
        self.assertEqual(sorted(results.values())[0], 0)
        loser = other if results["a"] == 0 else self.clone
        if results["a"] != 0 or results["b"] != 0:
            git(["pull", "-q", "--rebase", "origin", "main"], cwd=loser)
            self.assertEqual(git(["push", "origin", "main"], cwd=loser, check=False).returncode, 0)
        show = git(["show", "main:subprocessors/aws.xml"], cwd=self.repo).stdout
        self.assertIn("EU cloud hosting", show)
        show = git(["show", "main:subprocessors/mistral.xml"], cwd=self.repo).stdout
        self.assertIn("Hosted LLM", show)
        self.assertEqual(git(["fsck", "--strict"], cwd=self.repo, check=False).returncode, 0)

    def test_validate_rev_of_bare_repo(self):
        p = run(["validate", "--registry", self.repo])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        first = git(["rev-parse", "main"], cwd=self.repo).stdout.strip()
        p = run(["validate", "--registry", self.repo, "--rev", first])
        self.assertEqual(p.returncode, 0)
        p = run(["validate", "--registry", self.repo, "--rev", "no-such-branch"])
        self.assertEqual(p.returncode, 2)
        # a work tree is read from disk, uncommitted edits included
        self.edit("aws.xml", "<status>active</status>", "<status>wrong</status>")
        p = run(["validate", "--registry", self.clone])
        self.assertEqual(p.returncode, 1)
        p = run(["validate", "--registry", self.clone, "--rev", "HEAD"])
        self.assertEqual(p.returncode, 0)


class PushShape(StoreCase):
    """The push guard checks every new commit of main and refuses what the registry cannot
    represent."""

    def commit_all(self, msg):
        git(["add", "-A"], cwd=self.clone)
        git(["commit", "-qm", msg], cwd=self.clone)

    def refused(self, *extra):
        before = self.tip()
        p = self.push(*extra)
        self.assertNotEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.tip(), before)
        self.assertSanitizerClean(p)
        return p.stderr

    def test_intermediate_commit_checked(self):
        reg = os.path.join(self.clone, "registry.xml")
        with open(reg) as f:
            settings = f.read()
        os.unlink(reg)
        self.edit("aws.xml", "<status>active</status>", "<status>bogus</status>")
        with open(os.path.join(self.clone, "subprocessors", "ghost.xml"), "w") as f:
            f.write(open(os.path.join(self.clone, "subprocessors", "mistral.xml")).read().replace('id="mistral"', 'id="ghost"'))
        self.commit_all("a bad intermediate commit")
        bad = git(["rev-parse", "HEAD"], cwd=self.clone).stdout.strip()
        with open(reg, "w") as f:
            f.write(settings)
        self.edit("aws.xml", "<status>bogus</status>", "<status>active</status>")
        os.unlink(os.path.join(self.clone, "subprocessors", "ghost.xml"))
        self.commit_all("a valid tip")
        err = self.refused()
        self.assertIn(bad[:12] + ":", err)
        self.assertIn("registry.xml is missing", err)
        self.assertIn(bad[:12] + ":subprocessors/aws.xml", err)

    def test_files_the_registry_cannot_represent(self):
        sub = os.path.join(self.clone, "subprocessors")
        cases = [
            ("X.XML", None), ("aws.xml.orig", None), (".hidden.xml", None),
            ("nested/inner.xml", None), ("notes.txt", None),
        ]
        for name, _ in cases:
            with self.subTest(name=name):
                git(["reset", "-q", "--hard", "origin/main"], cwd=self.clone)
                git(["clean", "-qfdx"], cwd=self.clone)
                path = os.path.join(sub, name)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as f:
                    f.write(open(os.path.join(sub, "mistral.xml")).read())
                self.commit_all("add " + name)
                self.assertIn("subprocessors/" + name.split("/")[0], self.refused())
        # a symbolic link, an executable entry file, a submodule
        git(["reset", "-q", "--hard", "origin/main"], cwd=self.clone)
        os.symlink("mistral.xml", os.path.join(sub, "symx.xml"))
        self.commit_all("a link")
        self.assertIn("symbolic link", self.refused())
        git(["reset", "-q", "--hard", "origin/main"], cwd=self.clone)
        git(["update-index", "--chmod=+x", "subprocessors/mistral.xml"], cwd=self.clone)
        git(["commit", "-qm", "exec bit"], cwd=self.clone)
        self.assertIn("executable", self.refused())
        git(["reset", "-q", "--hard", "origin/main"], cwd=self.clone)
        tip = self.tip()
        git(["update-index", "--add", "--cacheinfo", "160000,%s,vendor/lib" % tip], cwd=self.clone)
        git(["commit", "-qm", "submodule"], cwd=self.clone)
        self.assertIn("submodule", self.refused())

    def test_other_files_capped_from_the_header(self):
        with open(os.path.join(self.clone, "README.md"), "w") as f:
            f.write("# Our registry\n")
        os.makedirs(os.path.join(self.clone, "contracts"))
        with open(os.path.join(self.clone, "contracts", "aws-dpa.pdf"), "wb") as f:
            f.write(os.urandom(200000))
        self.commit_all("docs and a contract")
        p = self.push()
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(self.clone, "big.bin"), "wb") as f:
            f.write(b"\0" * (11 << 20))
        self.commit_all("an 11 MiB file")
        self.assertIn("over the limit", self.refused())

    def test_tags_refused_unless_allowed(self):
        git(["tag", "v1"], cwd=self.clone)
        self.assertIn("tags are not allowed", self.refused("v1"))
        reg = os.path.join(self.clone, "registry.xml")
        with open(reg) as f:
            s = f.read()
        with open(reg, "w") as f:
            f.write(s.replace("<public-url>", "<allow-tags>true</allow-tags>\n  <public-url>"))
        self.commit_all("allow tags")
        p = self.push()
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.push("v1")
        self.assertEqual(p.returncode, 0, p.stderr)


class Records(StoreCase):
    def test_art30_export(self):
        # the processor's record, Art. 30(2)(a)-(d): processor, DPO, controllers, processing,
        # transfers with safeguards, security; in force only, no independent controller
        p = run(["export", "--registry", SEED, "--format", "art30"], env={"SUBREG_TODAY": "2026-11-28"})
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = p.stdout
        for part in ("(GDPR Art. 30(2))", "## (a)", "## (b)", "## (c)", "## (d)", "CallNex BV (BE)",
                     "dpo@callnex.example", "each customer on whose behalf", "Encryption in transit",
                     "Voiceprints used to tell speakers apart (special: biometric)",
                     "| Cantab Research Limited (Speechmatics) | GB: adequacy; GB: scc 2021/914 (module 3) |",
                     "onward Amazon Web Services, Inc.: US scc 2021/914"):
            self.assertIn(part, doc)
        self.assertNotIn("Stripe", doc)         # an independent controller: not a processor
        self.assertNotIn("Gladia", doc)         # planned from 2026-12-15: not yet in force
        self.assertNotIn("NL processing", doc)  # Mistral's upcoming country
        self.assertNotIn("Plausible", doc)      # the owner's own data (controller flow only)
        # once in force, the planned vendor is in the record
        p = run(["export", "--registry", SEED, "--format", "art30"], env={"SUBREG_TODAY": "2026-12-20"})
        self.assertIn("Gladia", p.stdout)
        # the controller's own record, Art. 30(1): the controller flows, Stripe as a recipient
        p = run(["export", "--registry", SEED, "--format", "art30-1"], env={"SUBREG_TODAY": "2026-11-28"})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("(GDPR Art. 30(1))", p.stdout)
        self.assertIn("| Stripe", p.stdout)
        self.assertIn("independent controller", p.stdout)
        rows = list(__import__("csv").DictReader(run(["export", "--registry", SEED, "--format", "art30", "--csv"]).stdout.splitlines()))
        self.assertTrue(rows and all(r["record"] == "art30-2" for r in rows))
        self.assertIn("Speechmatics", " ".join(r["recipient"] for r in rows))