"""Acts as the user's browser for a sign-in: GET the authorize URL (which the simulator
completes at once when auto sign-in is on), then follow its redirect to the app's loopback
listener. Used as $BROWSER by the end-to-end tests: `python -m elevate_harness.browser URL`."""

import sys
import urllib.error
import urllib.parse
import urllib.request


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        return None


def follow(url: str) -> int:
    # What was asked, for the tests to check (the query holds nothing secret; the code in the
    # redirect is not logged).
    asked = urllib.parse.urlsplit(url)
    params = urllib.parse.parse_qs(asked.query)
    print(f"authorize {asked.path} code_challenge_method={params.get('code_challenge_method', ['-'])[0]} "
          f"state={'yes' if params.get('state') else 'no'} redirect_uri={params.get('redirect_uri', ['-'])[0]}",
          flush=True)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(url, timeout=15)
        return 1  # a page, not a redirect: a person would have to act
    except urllib.error.HTTPError as err:
        location = err.headers.get("Location")
        if err.code not in (301, 302, 303, 307) or not location:
            return 1
    with urllib.request.urlopen(location.replace("://localhost:", "://127.0.0.1:"), timeout=15) as resp:
        resp.read()
    return 0


if __name__ == "__main__":
    sys.exit(follow(sys.argv[1]))
