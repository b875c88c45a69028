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
        self.subscribe_confirmed("fg@klant.example", "nl")
        self.announce()
        mails = self.wait_mails(3)
        notice = [m for m in mails if m.envelope["to"] == ["dpo@customer.example"]][0]
        dutch = [m for m in mails if m.envelope["to"] == ["fg@klant.example"]][0]
        # (name, path, the subscriber's language, words the page must say in it)
        pages = [("confirm", confirm, "fr", "Confirmez votre abonnement"),
                 ("object", self.link(notice, "/objections/"), "en", "Object to a change"),
                 ("unsubscribe", self.link(notice, "/unsubscribe/"), "en", "everything CallNex BV stores"),
                 ("object nl", self.link(dutch, "/objections/"), "nl", "Bezwaar maken tegen een wijziging"),
                 ("unsubscribe nl", self.link(dutch, "/unsubscribe/"), "nl", "wat CallNex BV over uw abonnement bewaart")]
        for name, path, lang, said in pages:
            got = self.browse(path, widget=False)
            self.assertEqual(got["status"], 200, name)
            self.assertEqual(got["lang"], lang, name)
            self.assertIn(said, got["text"], name)
            self.assertEqual((got["brokenWords"], got["mobileBrokenWords"]), ([], []), name)
            self.assertEqual(got["axe"], [], name)
            self.assertEqual((got["errors"], got["csp"]), ([], []), name)
            self.assertFalse(got["mobileOverflow"], name)
            self.assertEqual(got["scripts"], 0, name)
            self.assertIn("form-action 'self'", got["headers"]["content-security-policy"])
            self.assertIn('method="post"', got["html"], name)
        # a browser's GET of the confirmation page confirmed nothing
        subs = {s["email"]: s for s in self.jreq("GET", "/v1/subscribers", token=self.editor)[2]["subscribers"]}
        self.assertIsNone(subs["someone@customer.example"]["confirmed"])
