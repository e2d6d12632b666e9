"""Whose is it: other organisations' numbers and addresses on the site, agency credits, mailbox
patterns, and the site's brand against its legal or branch names. One behaviour a test, on small pages."""

from __future__ import annotations

from tests.scraping.test_extract import lead_of


def test_numbers_printed_after_another_organisations_name_are_theirs():
    lead = lead_of(
        "<p>Acme Analytics Pty Ltd, tel. (02) 9000 1234</p>",
        "<p>Nearest hotel: Hotel Harbour View (TEL 02 9000 5678)</p>"
        "<p>Our supplier: Timber Wholesalers Pty Ltd, tel. 02 9000 4321</p>"
        "<p>Service helpline (Mon-Sat, 9:30 am - 6:30 pm): 1800 233 458 (toll free)</p>",
    )
    assert lead.phones == ["+61290001234", "+611800233458"]


def test_a_tel_link_beside_another_organisations_address_is_theirs():
    lead = lead_of(
        '<p>Call us: <a href="tel:0290001234">02 9000 1234</a></p>',
        '<p>Recruiting partner: Talent Co, jobs@talentco.example.org, <a href="tel:0290005555">call</a>.</p>',
    )
    assert lead.phones == ["+61290001234"]


def test_code_samples_hold_no_contacts():
    lead = lead_of(
        "<p>Email: info@acme-analytics.com.au</p>"
        """<pre><code>curl -d '{"email":"jane.smith@acme-analytics.com.au",
        "mobile":"+61 412 555 014"}'</code></pre>"""
    )
    assert (lead.emails, lead.phones) == (["info@acme-analytics.com.au"], [])


def test_an_address_glued_to_the_next_word_is_cut_at_its_domain():
    lead = lead_of(
        '<p>Amir Levi <a href="mailto:amir@acme-analytics.com.au">amir@acme-analytics.com.au</a>in</p>'
    )
    assert lead.emails == ["amir@acme-analytics.com.au"]


def test_a_table_row_of_another_organisation_keeps_its_number():
    lead = lead_of(
        "<p>Tel: (02) 9000 1234</p><table><tr><td>Germany</td><td>Optik Vertrieb, Stuttgart</td>"
        "<td>+49-711-2204-550</td><td>info@optik-vertrieb.example.org</td></tr></table>"
    )
    assert lead.phones == ["+61290001234"]


def test_a_mailbox_pattern_is_not_an_address():
    lead = lead_of("<p>info@acme-analytics.com.au · staff: etunimi.sukunimi@acme-analytics.com.au</p>")
    assert lead.emails == ["info@acme-analytics.com.au"]


def test_a_shorter_form_of_the_sites_domain_is_its_mail_and_profile_name():
    site = "https://www.harbourside-engineering.co.nz/"
    lead = lead_of(
        """<p>Email: info @ harboursideeng . co . nz</p><footer>
        <a href="https://www.facebook.com/harboursideeng">Facebook</a>
        Site by Kiwi Web Co - <a href="https://www.facebook.com/kiwiwebco">on Facebook</a></footer>""",
        """<h1>About</h1><p>Hoses come from Otago Hose (sales@otagohose.co.nz, (03) 455 8023) - please
        contact them directly for counter sales.</p>""",
        geography="Dunedin, New Zealand",
        site=site,
        pages=("", "about"),
    )
    assert lead.emails == ["info@harboursideeng.co.nz"]
    assert lead.socials == {"facebook": "https://www.facebook.com/harboursideeng"}


def test_a_word_hidden_by_a_class_inside_an_address_is_not_read():
    lead = lead_of('<p>Quotes: quotes<span class="hidden">nospam</span>@acme-analytics.com.au</p>')
    assert lead.emails == ["quotes@acme-analytics.com.au"]


def test_a_free_mail_box_named_after_the_site_is_the_companys():
    lead = lead_of(
        "<p>Email: info@acme-analytics.com.au</p><p>Service: acmeanalytics.service@gmail.com</p>"
        "<p>Dealer Nagpur: dealer.nagpur@gmail.com</p>"
    )
    assert lead.emails == ["info@acme-analytics.com.au", "acmeanalytics.service@gmail.com"]


def test_a_credit_after_the_profile_icons_does_not_claim_them():
    lead = lead_of("""<footer><p>Follow us</p><a href="https://www.youtube.com/channel/UC7hQm2pLk9x">
    <i class="icon-yt"></i></a><p>Privacy · Site by <a href="https://tradiewebs.example">TradieWebs</a></p></footer>""")
    assert lead.socials == {"youtube": "https://www.youtube.com/channel/UC7hQm2pLk9x"}


def test_a_design_credit_with_a_colon_is_the_agencys():
    lead = lead_of("""<footer><a href="https://www.instagram.com/acmeanalytics">Instagram</a>
    <p>Design: <a href="https://studiokaj.se">Studio Kaj</a> (hello@studiokaj.se) ·
    <a href="https://www.instagram.com/studiokaj/">@studiokaj</a></p></footer>""")
    assert lead.socials == {"instagram": "https://www.instagram.com/acmeanalytics"}
    assert "hello@studiokaj.se" not in lead.emails


def test_an_agencys_profiles_are_not_the_companys():
    lead = lead_of("""<footer>Site by <a href="https://pixel.agency">Pixel</a>
    <a href="https://www.linkedin.com/company/pixel-agency">Pixel on LinkedIn</a>
    <a href="https://www.facebook.com/acmeanalytics">Acme on Facebook</a></footer>""")
    assert lead.socials == {"facebook": "https://www.facebook.com/acmeanalytics"}


def test_a_branch_or_a_bare_legal_name_gives_way_to_the_sites_brand():
    titles = "<title>{} | Acme Solar</title>"
    branch = (
        '<script type="application/ld+json">{{"@type":"LocalBusiness","name":"Acme Solar – {}"}}</script>'
    )
    assert lead_of(
        titles.format("Home"), titles.format("Contact") + branch.format("Paphos")
    ).company_name == ("Acme Solar")
    legal = """<meta property="og:site_name" content="Acme Patios &amp; Decks">
    <script type="application/ld+json">{"@type":"Organization","legalName":"Acme Patios Pty Ltd"}</script>"""
    assert lead_of(legal).company_name == "Acme Patios & Decks"


def test_a_legal_name_gives_way_to_the_brand_the_site_shows_everywhere():
    page = """<title>{} | Lumenlab</title><meta property="og:site_name" content="Lumenlab">
    <script type="application/ld+json">{{"@type":"Organization",
    "name":"Kempen Lichttechniek B.V."}}</script>"""
    assert lead_of(page.format("Home"), page.format("Contact")).company_name == "Lumenlab"
    japanese = """<title>{} | 博多精工</title><meta property="og:site_name" content="博多精工">
    <script type="application/ld+json">{{"@type":"Organization","name":"Hakata Seiko Co., Ltd."}}</script>"""
    assert (
        lead_of(japanese.format("Home"), japanese.format("Contact")).company_name == "Hakata Seiko Co., Ltd."
    )


def test_a_longer_structured_name_gives_way_to_the_brand_its_titles_and_og_site_name_share():
    brand = '<title>{} — Acme Marine</title><meta property="og:site_name" content="Acme Marine">'
    structured = (
        '<div itemscope itemtype="https://schema.org/LocalBusiness"><span itemprop="name">{}</span></div>'
    )
    pages = (brand.format("Home"), brand.format("Contact") + structured.format("Acme Marine Services"))
    assert lead_of(*pages).company_name == "Acme Marine"
    # og:site_name alone is not enough against a longer name the titles use
    titled = '<title>{} | Acme Marine Services</title><meta property="og:site_name" content="Acme Marine">'
    pages = (titled.format("Home"), titled.format("Contact") + structured.format("Acme Marine Services"))
    assert lead_of(*pages).company_name == "Acme Marine Services"


def test_an_english_as_is_not_a_company_form():
    lead = lead_of("<p>Reach us as early as you like: (02) 9000 1234</p>")
    assert lead.phones == ["+61290001234"]


def test_a_brand_or_an_acronym_before_a_number_in_running_words_is_another_organisations():
    lead = lead_of(
        "<p>Phone: (02) 9000 1234</p>",
        "<p>Questions about your loan? Call GreenSky at 1800 233 458.</p>"
        "<p>Certificate queries: NICEIC on (02) 9000 7777</p>",
    )
    assert lead.phones == ["+61290001234"]
    # A heading in capitals is a label; the company's own acronym is the company.
    lead = lead_of("<p>SALES OFFICE: (02) 9000 1234</p><p>Questions? Call ACME on (02) 9000 4321</p>")
    assert lead.phones == ["+61290001234", "+61290004321"]


def test_the_part_of_a_line_nearest_the_number_says_whose_it_is():
    title = "<title>{} | Acme Analytics</title>"
    lead = lead_of(
        title.format("Home") + "<p>Phone: (02) 9000 1234</p>",
        title.format("Partners")
        + "<p>Acme Tiles Wholesale. Order hotline of our partner: (02) 9000 5555</p>",
    )
    assert lead.phones == ["+61290001234"]


def test_one_trade_word_shared_with_another_organisation_does_not_make_it_the_company():
    page = "<title>{} | Acme Analytics Group</title><p>Tel (02) 9000 1234</p>"
    lead = lead_of(
        page.format("Home"),
        page.format("About") + "<p>Member: Analytics Association of NSW (Ph: 02 9000 8888)</p>",
    )
    assert lead.phones == ["+61290001234"]


def test_a_number_the_company_gives_beside_its_own_address_stays_its_own():
    footer = (
        "<footer><p>Acme Analytics | Tel.: (02) 9000 1234<br>Web: Pixel Studio (info@pixelstudio.example.net)"
        "</p></footer>"
    )
    contact = "<address>Phone (02) 9000 1234<br>E-mail: hello@acme-analytics.com.au</address>"
    assert lead_of(footer, contact + footer).phones == ["+61290001234"]


def test_a_sister_company_under_another_countrys_domain_is_not_the_company():
    lead = lead_of(
        "<p>E-mail: sales@acme-analytics.com.au</p>"
        "<p>Overseas: Acme Analytics (Thailand) Co., Ltd., sales@acmeanalytics.co.th</p>"
        "<p>Our other office: info@acmeanalytics.com</p>"
    )
    assert lead.emails == ["sales@acme-analytics.com.au", "info@acmeanalytics.com"]


def test_an_advisor_at_another_organisation_is_not_staff():
    lead = lead_of(
        "<h2>Team</h2><ul><li>Jane Citizen — Managing Director</li>"
        "<li>Sarah Example — partner at Harbour Ventures (our seed investor)</li>"
        "<li>Tom Sample — Head of Data at Acme Analytics</li></ul>"
    )
    assert [person.name for person in lead.people] == ["Jane Citizen", "Tom Sample"]


def test_a_number_only_on_the_legal_pages_is_whoever_the_legal_text_names():
    lead = lead_of(
        "<p>Phone: (02) 9000 1234</p>",
        "<p>Consumer protection office: free line 1800 233 458.</p><p>Phone: (02) 9000 1234</p>",
        pages=("", "legal-notice"),
    )
    assert lead.phones == ["+61290001234"]
    # a site whose only number is on its legal page keeps it
    assert lead_of("<p>Welcome</p>", "<p>Phone: (02) 9000 5555</p>", pages=("", "impressum")).phones == [
        "+61290005555"
    ]


def test_another_countrys_number_after_a_name_is_not_the_companys_unless_given_as_an_office():
    lead = lead_of(
        "<p>Phone: (02) 9000 1234</p>"
        "<p>Germany – Example Weinhaus Keller, Munich – +49 89 2153 8840</p>"
        "<p>US: +1 212 736 0134</p>"
    )
    assert lead.phones == ["+61290001234", "+12127360134"]


def test_a_number_the_site_gives_as_its_own_in_a_sentence_counts():
    lead = lead_of(
        "<p>Phone: (02) 9000 1234</p>"
        "<p>Running late or need to cancel? Text us on 0412 884 307</p>"
        "<p>For tenants: report a repair online or call our out-of-hours maintenance line on 0413 416 950</p>"
    )
    assert lead.phones == ["+61290001234", "+61412884307", "+61413416950"]
    # but not the number it used to have
    assert lead_of(
        "<p>Phone: (02) 9000 1234. Please note: our old number (02) 9000 4400 is no longer in use.</p>"
    ).phones == ["+61290001234"]


def test_a_theme_makers_profiles_are_not_the_companys():
    lead = lead_of(
        '<p><a href="https://www.instagram.com/acmeanalytics/">Instagram</a></p>'
        '<footer><a href="https://twitter.com/themeforge"><i class="fa fa-twitter"></i></a>'
        '<a href="https://www.facebook.com/themeforge"></a>'
        '<p>Theme: Magazine by <a href="https://themeforge.net/themes/magazine">ThemeForge</a></p></footer>'
    )
    assert lead.socials == {"instagram": "https://www.instagram.com/acmeanalytics"}


def test_a_certified_mail_box_named_like_the_site_is_the_companys():
    lead = lead_of(
        "<p>E-mail: info@acme-analytics.com.au · PEC: acmeanalytics@pec.provider.it</p>"
        "<p>Garante privacy: protocollo@pec.authority.it</p>"
    )
    assert lead.emails == ["info@acme-analytics.com.au", "acmeanalytics@pec.provider.it"]


def test_a_tel_link_after_another_organisations_name_in_its_sentence_is_theirs():
    lead = lead_of(
        '<p>Clinic: <a href="tel:+61290001234">(02) 9000 1234</a></p>'
        "<p>Emergencies outside opening hours are handled by <strong>Harbour Pet Emergency Service"
        '</strong>, Ryde: <a href="tel:+61290009999">(02) 9000 9999</a>.</p>'
        "<p>During the show our stand service answers around the clock on "
        '<a href="tel:+61412345678">0412 345 678</a>.</p>'
    )
    assert lead.phones == ["+61290001234", "+61412345678"]


def test_a_partner_named_by_its_kind_in_several_languages_is_not_the_company():
    lead = lead_of(
        "<p>Teléfono: (02) 9000 1234</p>"
        "<p>Laboratorio dental aliado: Dentalab Sur (tel. 02 9000 7777).</p>"
        "<p>Dostawcą komory jest firma Termo-Drew z Kalisza (tel. 02 9000 8888).</p>"
    )
    assert lead.phones == ["+61290001234"]


def test_the_makers_number_in_a_credit_is_not_the_companys():
    lead = lead_of(
        "<footer><p>TEL : 031-491-2345 · 제작 : 웹마루디자인 (1588-0000)</p></footer>",
        geography="Ansan, South Korea",
        site="https://www.acme.co.kr/",
    )
    assert lead.phones == ["+82314912345"]


def test_a_partners_number_named_three_ways_in_running_text():
    lead = lead_of(
        "<p>Phone: (02) 9000 1234</p>"
        "<p>Out of hours emergencies: please call Harbour Pet Emergency Service on (02) 9000 9999.</p>"
        "<p>Galvanising is done by our long-standing samarbejdspartner Example Zink, tlf. (02) 9000 8888.</p>"
        "<p>Hétvégi ügyelet: SZTE Fogorvostudományi Kar, Tisza krt. 64., tel.: (02) 9000 7777</p>"
    )
    assert lead.phones == ["+61290001234"]


def test_an_address_in_a_sentence_does_not_make_the_sentence_the_companys():
    lead = lead_of(
        "<p>Phone: (02) 9000 1234</p>",
        "<p>Complaints (copy to privacy@acme-analytics.com.au): OAIC hotline 1300 363 992</p>",
        pages=("", "news"),
    )
    assert lead.phones == ["+61290001234"]


def test_a_contact_line_beside_a_company_address_counts_inside_a_long_line():
    lead = lead_of(
        "<p>Phone: (02) 9000 1234</p>"
        "<p>Questions about quality and complaints: Jana Example, quality manager, "
        "quality@acme-analytics.com.au, (02) 9000 1230</p>"
    )
    assert lead.phones == ["+61290001234", "+61290001230"]


def test_a_sites_mail_domain_found_on_its_contact_page_covers_its_staff():
    lead = lead_of(
        "<p>Welcome</p>",
        "<p>E-mail: office@acmemail.com.au</p><p>Website by Pixel Studio, hello@pixelstudio.com.au</p>",
        "<ul><li>Ann Example, partner – ann@acmemail.com.au</li></ul>",
        pages=("", "contact", "team"),
    )
    assert lead.emails == ["office@acmemail.com.au", "ann@acmemail.com.au"]


def test_a_table_rows_earlier_cells_say_whose_its_number_is():
    lead = lead_of(
        "<table><tr><td>Head office</td><td>1 Example St, Sydney</td><td>(02) 9000 1234</td></tr>"
        "<tr><td>Perth (agent terminal)</td><td>Operated by Example Cartage Ltd., 4 Depot Rd</td>"
        "<td>(08) 9000 6601 – call Sydney to book</td></tr>"
        "<tr><td>Ann Example</td><td>director, CPA</td><td>0412 345 678</td></tr></table>"
    )
    assert lead.phones == ["+61290001234", "+61412345678"]


def test_numbers_only_on_the_dealers_page_are_the_dealers():
    lead = lead_of(
        "<p>Phone: (02) 9000 1234</p>",
        "<table><tr><td>Example Spares, Perth</td><td>(08) 9000 1111</td></tr></table>",
        pages=("", "dealers"),
    )
    assert lead.phones == ["+61290001234"]


def test_an_organisation_a_number_is_given_through_is_its_owner():
    lead = lead_of(
        "<p>Phone: (02) 9000 1234</p>"
        "<p>Propane supply arranged through Prairie Propane Co-op, 02 9000 9902.</p>"
        "<p>Transfer con Taxi Ibla, tel. 02 9000 2100.</p>"
        '<p>"Great work." - Anita Example, Events Manager, Roundhay Conference Centre (tel 02 9000 0190)</p>'
    )
    assert lead.phones == ["+61290001234"]
