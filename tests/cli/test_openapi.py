"""The OpenAPI document passes @redocly/cli lint with the recommended rules (redocly.yaml
justifies each exception) and describes the server's real shape."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import ROOT, once  # noqa: E402


class OpenAPI(unittest.TestCase):
    @once
    def test_redocly_lint_clean(self):
        redocly = os.path.join(ROOT, "tests", "node_modules", ".bin", "redocly")
        self.assertTrue(os.access(redocly, os.X_OK), "make test installs @redocly/cli in tests/")
        p = subprocess.run([redocly, "lint", "docs/openapi.json", "--config", "redocly.yaml", "--format", "summary"],
                           capture_output=True, text=True, cwd=ROOT, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotRegex(p.stdout + p.stderr, r"(?m)^(error|warning)\s")

    def test_document_shape(self):
        with open(os.path.join(ROOT, "docs", "openapi.json")) as f:
            doc = json.load(f)
        self.assertEqual(doc["servers"][0]["url"], "/")        # wherever the server listens
        ops = [(p, m, op) for p, item in doc["paths"].items() for m, op in item.items() if isinstance(op, dict)]
        for path, method, op in ops:
            self.assertIn("operationId", op, (path, method))
            self.assertIn("security", op, (path, method))
            if method != "options":                      # a CORS preflight is always 204
                self.assertTrue(any(c.startswith("4") for c in op["responses"]), (path, method))
        put = doc["paths"]["/v1/subprocessors/{id}"]["put"]["responses"]
        self.assertIn("503", put)
        # 409 is the upstream's refusal only (serve --upstream), never two writers racing (#8)
        self.assertIn("only with serve --upstream", put["409"]["description"])


if __name__ == "__main__":
    unittest.main()
