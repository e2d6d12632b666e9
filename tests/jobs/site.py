"""A small company website served by the tests, for the job layer's end-to-end tests."""

HOME = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Home | Harbour Analytics</title>
<meta name="description" content="Harbour Analytics builds B2B enterprise analytics software in Sydney.">
<meta property="og:site_name" content="Harbour Analytics">
</head><body>
<header><nav><a href="/">Home</a> <a href="/about/">About us</a>
<a href="/contact/">Contact</a></nav></header>
<main><h1>Enterprise analytics for B2B SaaS teams</h1>
<p>We help enterprise sales teams across Australia understand their pipeline.</p></main>
<footer>&copy; 2025 Harbour Analytics Pty Ltd</footer>
</body></html>"""

CONTACT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Contact | Harbour Analytics</title></head><body>
<h1>Get in touch</h1>
<p>Email <a href="mailto:hello@harbour-analytics.com.au?subject=Hi">hello@harbour-analytics.com.au</a>
or call <a href="tel:+61291234567">(02) 9123 4567</a>.</p>
<p>Level 3, 100 George Street, Sydney NSW 2000</p>
<p><a href="https://www.linkedin.com/company/harbour-analytics/">LinkedIn</a></p>
</body></html>"""

ABOUT = """<!doctype html><html><head><title>About | Harbour Analytics</title></head>
<body><p>Founded in 2015 in Sydney.</p></body></html>"""


def serve_company_site(httpserver) -> str:
    """Serve the site on the test's HTTP server and return its homepage URL."""
    httpserver.expect_request("/").respond_with_data(HOME, content_type="text/html; charset=utf-8")
    httpserver.expect_request("/contact/").respond_with_data(CONTACT, content_type="text/html; charset=utf-8")
    httpserver.expect_request("/about/").respond_with_data(ABOUT, content_type="text/html; charset=utf-8")
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nAllow: /\n", content_type="text/plain"
    )
    return httpserver.url_for("/")
