"""The pages behind the links in notice emails (confirm, unsubscribe and see, object) in a real
browser: axe-core finds nothing, the page's CSP is respected (the forms post to themselves),
nothing overflows a phone's width. Links come from real emails (tests/api/test_notify.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from api.test_notify import Notify  # noqa: E402
from browser.test_page import Browser  # noqa: E402


class NoticePages(Notify, Browser):
    def test_pages_of_the_links_in_emails(self):
        self.subscribe("someone@customer.example", "fr")
        confirm = self.link(self.wait_mails(1)[0], "/subscriptions/confirm/")
        self.subscribe_confirmed("dpo@customer.example")
        self.announce()
        notice = [m for m in self.wait_mails(2) if m.envelope["to"] == ["dpo@customer.example"]][0]
        pages = {"confirm": confirm, "object": self.link(notice, "/objections/"),
                 "unsubscribe": self.link(notice, "/unsubscribe/")}
        for name, path in pages.items():
            got = self.browse(path, widget=False)
            self.assertEqual(got["status"], 200, name)
            self.assertEqual(got["axe"], [], name)
            self.assertEqual((got["errors"], got["csp"]), ([], []), name)
            self.assertFalse(got["mobileOverflow"], name)
            self.assertEqual(got["scripts"], 0, name)
            self.assertIn("form-action 'self'", got["headers"]["content-security-policy"])
            self.assertIn('method="post"', got["html"], name)
        # a browser's GET of the confirmation page confirmed nothing
        subs = {s["email"]: s for s in self.jreq("GET", "/v1/subscribers", token=self.editor)[2]["subscribers"]}
        self.assertIsNone(subs["someone@customer.example"]["confirmed"])
