#!/usr/bin/env python3
"""Writes the lead-extraction corpus: one HTML page per entry of PAGES, its labels in a
front-matter comment at the top (`<!--lead … -->`, TOML), read by tests/leads_corpus.rs.

Every page is synthetic, written by the team for this corpus (no page was copied): invented
businesses with invented names, addresses and numbers, in the layouts such sites use. Phone
numbers are fictional where the country reserves a range for fiction (UK 020 7946 0xxx,
0161 496 0xxx; North American 555-01xx) and otherwise made-up numbers that
libphonenumber's metadata accepts; domains are invented. The labels are what a person
reading the page would copy into a lead list: every e-mail address, phone number (not fax)
and social profile the page shows or links, and none of its share buttons, asset names,
placeholders, tracking addresses, dates, prices or registration numbers.

Run it from this directory: `python3 generate.py` (rewrites every page).
"""

import html
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def cf(address, key=0x3A):
    """Cloudflare's e-mail protection encoding."""
    return "%02x" % key + "".join("%02x" % (ord(c) ^ key) for c in address)


def ents(text):
    """Every character as a numeric character reference."""
    return "".join("&#%d;" % ord(c) for c in text)


SHARE = """
<div class="share"><span>Share:</span>
<a href="https://www.facebook.com/sharer/sharer.php?u={u}">Facebook</a>
<a href="https://twitter.com/intent/tweet?url={u}&text=Look">X</a>
<a href="https://www.linkedin.com/sharing/share-offsite/?url={u}">LinkedIn</a>
<a href="https://www.xing.com/spi/shares/new?url={u}">Xing</a>
<a href="https://wa.me/?text={u}">WhatsApp</a></div>"""

ASSETS = """
<picture><source srcset="/img/hero@2x.webp 2x, /img/hero@3x.webp 3x"><img src="/img/hero.jpg" alt="hero@2x.jpg"></picture>
<script src="/js/app.min.js"></script>
<script>window.__sentry = "https://8f14e45fceea167a5a36dedd4bea2543@o12345.ingest.sentry.io/678";</script>"""


def chrome(p):
    """Wraps a page body in a head, a navigation and a footer of the page's kind."""
    lang = p.get("lang", "en")
    head = ['<!doctype html>', '<html lang="%s"><head><meta charset="utf-8">' % lang]
    if p.get("title"):
        head.append("<title>%s</title>" % p["title"])
    for meta in p.get("meta", []):
        head.append(meta)
    for ld in p.get("jsonld", []):
        head.append('<script type="application/ld+json">%s</script>' % ld)
    head.append('<link rel="stylesheet" href="/css/site.css"></head><body>')
    nav = p.get("nav", [])
    if nav:
        head.append("<header><nav><ul>")
        for href, text in nav:
            head.append('<li><a href="%s">%s</a></li>' % (href, text))
        head.append("</ul></nav></header>")
    body = [p["body"]]
    if p.get("share"):
        body.append(SHARE.format(u=html.escape(p["url"], quote=True)))
    if p.get("assets"):
        body.append(ASSETS)
    if p.get("footer"):
        body.append("<footer>%s</footer>" % p["footer"])
    body.append("</body></html>")
    return "\n".join(head + body) + "\n"


def toml_list(values):
    return "[" + ", ".join('"%s"' % v.replace('"', '\\"') for v in values) + "]"


def front_matter(p):
    lines = ["<!--lead", 'url = "%s"' % p["url"]]
    if p.get("region"):
        lines.append('region = "%s"' % p["region"])
    lines.append("emails = " + toml_list(p.get("emails", [])))
    lines.append("phones = " + toml_list(p.get("phones", [])))
    lines.append("socials = " + toml_list(p.get("socials", [])))
    if p.get("organisation"):
        lines.append('organisation = "%s"' % p["organisation"])
    if "contact_pages" in p:
        lines.append("contact_pages = " + toml_list(p["contact_pages"]))
    lines.append("-->")
    return "\n".join(lines) + "\n"


PAGES = []


def page(name, **p):
    p["name"] = name
    PAGES.append(p)


# ---------------------------------------------------------------- Germany, Austria, Switzerland

page(
    "de-dachdecker-mailto",
    url="https://www.dachdecker-brandt.de/",
    lang="de",
    title="Dachdeckerei Brandt – Ihr Dachdecker in Hannover",
    nav=[("/", "Start"), ("/leistungen", "Leistungen"), ("/ueber-uns", "Über uns"),
         ("/kontakt", "Kontakt"), ("/impressum", "Impressum")],
    body="""<main><h1>Dächer, die halten</h1>
<p>Seit 1987 decken wir Steildächer, Flachdächer und Gauben in der Region Hannover. Über 1.200
Projekte, 14 Mitarbeiter, 3 Meister.</p>
<p>Angebote ab 1.499,00 € – Stand 01.03.2024.</p>
<p>Rufen Sie uns an: <a href="tel:+495111234567">0511 1234567</a> oder schreiben Sie an
<a href="mailto:info@dachdecker-brandt.de?subject=Anfrage%20Dach">info@dachdecker-brandt.de</a>.</p></main>""",
    footer="""<p>Dachdeckerei Brandt GmbH · Lindenallee 12 · 30159 Hannover</p>
<p>Tel. 0511 1234567 · Fax 0511 1234568</p><p>© 2024 Dachdeckerei Brandt</p>""",
    share=True,
    emails=["info@dachdecker-brandt.de"],
    phones=["+495111234567"],
    organisation="Dachdeckerei Brandt",
    contact_pages=["https://www.dachdecker-brandt.de/ueber-uns", "https://www.dachdecker-brandt.de/kontakt",
                   "https://www.dachdecker-brandt.de/impressum"],
)

page(
    "de-impressum-noise",
    url="https://www.elektro-krause.de/impressum",
    lang="de",
    title="Impressum | Elektro Krause GmbH",
    nav=[("/", "Home"), ("/kontakt.html", "Kontakt"), ("/impressum", "Impressum")],
    body="""<main><h1>Impressum</h1>
<p>Angaben gemäß § 5 DDG</p>
<p>Elektro Krause GmbH<br>Gewerbepark Nord 7<br>04129 Leipzig</p>
<p>Handelsregister: HRB 123456, Amtsgericht Leipzig<br>Geschäftsführer: Jens Krause</p>
<p>Telefon: 0341 98765432<br>Telefax: 0341 98765433<br>Mobil: 0151 23456789<br>
E-Mail: kontakt@elektro-krause.de</p>
<p>Umsatzsteuer-ID: DE 123456789<br>Steuernummer: 231/123/45678</p>
<p>Bankverbindung: Sparkasse Leipzig, IBAN DE89 3704 0044 0532 0130 00, BIC COLSDE33XXX</p>
<p>Verbraucherstreitbeilegung: Wir sind nicht bereit oder verpflichtet, an
Streitbeilegungsverfahren teilzunehmen.</p></main>""",
    emails=["kontakt@elektro-krause.de"],
    phones=["+4934198765432", "+4915123456789"],
    organisation="Elektro Krause GmbH",
    contact_pages=["https://www.elektro-krause.de/kontakt.html"],
)

page(
    "de-obfuscated-brackets",
    url="https://kanzlei-vogel.de/kontakt/",
    lang="de",
    title="Kontakt – Kanzlei Vogel",
    body="""<main><h1>So erreichen Sie uns</h1>
<p>Rechtsanwältin Dr. Marie Vogel<br>Königstraße 40, 70173 Stuttgart</p>
<p>Sekretariat: sekretariat [at] kanzlei-vogel [dot] de<br>
Dr. Vogel persönlich: m.vogel(at)kanzlei-vogel.de</p>
<p>Telefon (0711) 2345 678 – Sprechzeiten Mo–Fr 9.00–17.00 Uhr</p>
<p>Bitte senden Sie uns keine Originale per Post.</p></main>""",
    emails=["sekretariat@kanzlei-vogel.de", "m.vogel@kanzlei-vogel.de"],
    phones=["+497112345678"],
    organisation="Kanzlei Vogel",
)

page(
    "de-cloudflare",
    url="https://www.baeckerei-sonnenschein.de/",
    lang="de",
    title="Bäckerei Sonnenschein | Startseite",
    nav=[("/sortiment", "Sortiment"), ("/filialen", "Filialen"), ("/kontakt", "Kontakt")],
    body="""<main><h1>Frisch aus dem Ofen</h1><p>Unsere Brötchen backen wir jeden Morgen ab 3 Uhr.
Bestellungen für Feiern nehmen wir bis 48 Stunden vorher an.</p>
<p>Bestellungen: <a href="/cdn-cgi/l/email-protection#%s"><span class="__cf_email__" data-cfemail="%s">[email&#160;protected]</span></a></p>
<p>Buchhaltung: <a href="/cdn-cgi/l/email-protection" class="__cf_email__" data-cfemail="%s">[email&#160;protected]</a></p>
<p>Telefon Zentrale 0221 3456789</p></main>
<script data-cfasync="false" src="/cdn-cgi/scripts/5c5dd728/cloudflare-static/email-decode.min.js"></script>"""
    % (cf("bestellung@baeckerei-sonnenschein.de"), cf("bestellung@baeckerei-sonnenschein.de"),
       cf("buchhaltung@baeckerei-sonnenschein.de", 0x77)),
    emails=["bestellung@baeckerei-sonnenschein.de", "buchhaltung@baeckerei-sonnenschein.de"],
    phones=["+492213456789"],
    organisation="Bäckerei Sonnenschein",
    contact_pages=["https://www.baeckerei-sonnenschein.de/kontakt"],
)

page(
    "de-entities-and-international",
    url="https://www.zahnarzt-dr-lang.de/",
    lang="de",
    title="Zahnarztpraxis Dr. Lang",
    meta=['<meta property="og:site_name" content="Zahnarztpraxis Dr. Lang">'],
    body="""<main><h1>Willkommen in unserer Praxis</h1>
<p>Termine: %s</p>
<p>Notfall-Hotline: +49 (0) 621 / 123 456 – auch am Wochenende.</p>
<p>Unsere Praxis hat 2019 den Qualitätspreis erhalten (Platz 3 von 120).</p></main>"""
    % ents("termine@zahnarzt-dr-lang.de"),
    footer="<p>Öffnungszeiten: Mo, Di, Do 8–18 Uhr · Mi, Fr 8–13 Uhr</p>",
    emails=["termine@zahnarzt-dr-lang.de"],
    phones=["+49621123456"],
    organisation="Zahnarztpraxis Dr. Lang",
)

page(
    "de-shop-prices-dates",
    url="https://www.gartenmoebel-holm.de/angebote",
    lang="de",
    title="Angebote – Gartenmöbel Holm",
    nav=[("/", "Shop"), ("/ueber-uns/", "Über uns"), ("/kontakt/", "Kontakt")],
    body="""<main><h1>Sommerangebote</h1>
<ul><li>Loungeset „Ostsee“ Art.-Nr. 4711-0815 – 1.299,00 € statt 1.599,00 €</li>
<li>Teakbank 180 cm, Best.-Nr. 10023456 – 549,90 EUR</li>
<li>Sonnenschirm Ø 300 cm – 89,95 €, lieferbar ab 15.05.2024</li>
<li>Gültig vom 01.06.2024 bis 30.06.2024, solange der Vorrat reicht.</li></ul>
<p>Kundenservice: 04321 987654 (Mo–Sa 9–18 Uhr) · service@gartenmoebel-holm.de</p>
<p>Über 25.000 zufriedene Kunden seit 1998 – 2024.</p></main>""",
    assets=True,
    share=True,
    emails=["service@gartenmoebel-holm.de"],
    phones=["+494321987654"],
    organisation="Gartenmöbel Holm",
    contact_pages=["https://www.gartenmoebel-holm.de/ueber-uns/", "https://www.gartenmoebel-holm.de/kontakt/"],
)

page(
    "de-team-page",
    url="https://www.steuerberatung-kohl.de/team",
    lang="de",
    title="Unser Team – Steuerberatung Kohl & Partner",
    body="""<main><h1>Unser Team</h1>
<div class="card"><h3>Petra Kohl</h3><p>Steuerberaterin</p><p>Durchwahl: 089 21 09 87-10</p>
<p><a href="mailto:p.kohl@steuerberatung-kohl.de">p.kohl@steuerberatung-kohl.de</a></p>
<p><a href="https://www.linkedin.com/in/petra-kohl-stb/">LinkedIn</a> <a href="https://www.xing.com/profile/Petra_Kohl2">Xing</a></p></div>
<div class="card"><h3>Tobias Wenz</h3><p>Steuerfachwirt</p><p>Tel. 089 21 09 87-22</p>
<p><a href="mailto:t.wenz@steuerberatung-kohl.de">E-Mail schreiben</a></p></div>
<div class="card"><h3>Ausbildung</h3><p>Bewerbungen bitte an bewerbung@steuerberatung-kohl.de</p></div></main>""",
    footer='<p><a href="https://www.xing.com/pages/steuerberatung-kohl-partner">Wir auf Xing</a> · <a href="/impressum">Impressum</a></p>',
    emails=["p.kohl@steuerberatung-kohl.de", "t.wenz@steuerberatung-kohl.de", "bewerbung@steuerberatung-kohl.de"],
    phones=["+498921098710", "+498921098722"],
    socials=["https://linkedin.com/in/petra-kohl-stb", "https://xing.com/profile/petra_kohl2",
             "https://xing.com/pages/steuerberatung-kohl-partner"],
    organisation="Steuerberatung Kohl & Partner",
    contact_pages=["https://www.steuerberatung-kohl.de/impressum"],
)

page(
    "de-placeholder-form",
    url="https://www.fahrschule-roth.de/anmeldung",
    lang="de",
    title="Anmeldung | Fahrschule Roth",
    body="""<main><h1>Online-Anmeldung</h1>
<form><label>E-Mail <input type="email" placeholder="max.mustermann@beispiel.de"></label>
<p class="hint">Bitte im Format name@domain.com eingeben, z. B. max@beispiel.de.</p>
<label>Telefon <input placeholder="0123 456789"></label></form>
<p>Fragen? info@fahrschule-roth.de oder 0911 4567890.</p>
<p>Theorieunterricht dienstags 18:30–20:00 Uhr, Kursgebühr 350 €.</p></main>""",
    emails=["info@fahrschule-roth.de"],
    phones=["+499114567890"],
    organisation="Fahrschule Roth",
)

page(
    "de-jsonld-only",
    url="https://www.hotel-seeblick-ammersee.de/",
    lang="de",
    title="Hotel Seeblick",
    jsonld=["""{"@context":"https://schema.org","@type":"Hotel","name":"Hotel Seeblick am Ammersee",
"telephone":"+49 8807 123456","email":"rezeption@hotel-seeblick-ammersee.de",
"address":{"@type":"PostalAddress","streetAddress":"Seeweg 4","addressLocality":"Dießen am Ammersee","postalCode":"86911","addressCountry":"DE"},
"sameAs":["https://www.facebook.com/hotelseeblickammersee","https://www.instagram.com/hotel_seeblick_ammersee/"]}"""],
    body="""<main><h1>Urlaub mit Seeblick</h1><p>24 Zimmer, Frühstück bis 11 Uhr, Sauna mit
Blick auf den See. Doppelzimmer ab 129 € pro Nacht.</p><p><a href="/buchen">Jetzt buchen</a></p></main>""",
    emails=["rezeption@hotel-seeblick-ammersee.de"],
    phones=["+498807123456"],
    socials=["https://facebook.com/hotelseeblickammersee", "https://instagram.com/hotel_seeblick_ammersee"],
    organisation="Hotel Seeblick am Ammersee",
)

page(
    "de-social-footer",
    url="https://www.craftbeer-werk.de/",
    lang="de",
    title="Craftbeer Werk – Brauerei & Taproom",
    body="""<main><h1>Bier aus Kreuzberg</h1><p>Sieben Sorten vom Fass, wechselnde Saisonbiere.
Taproom geöffnet Do–Sa ab 17 Uhr.</p><p>Reservierung: taproom@craftbeer-werk.de · 030 61234567</p></main>""",
    footer="""<ul class="social">
<li><a href="https://www.instagram.com/craftbeerwerk/">Instagram</a></li>
<li><a href="https://www.facebook.com/craftbeerwerk">Facebook</a></li>
<li><a href="https://www.tiktok.com/@craftbeerwerk">TikTok</a></li>
<li><a href="https://www.youtube.com/@CraftbeerWerk">YouTube</a></li>
<li><a href="https://www.instagram.com/p/C1a2b3c4d5/">Unser letzter Post</a></li>
<li><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">Brauvideo</a></li></ul>""",
    share=True,
    emails=["taproom@craftbeer-werk.de"],
    phones=["+493061234567"],
    socials=["https://instagram.com/craftbeerwerk", "https://facebook.com/craftbeerwerk",
             "https://tiktok.com/@craftbeerwerk", "https://youtube.com/@craftbeerwerk"],
    organisation="Craftbeer Werk",
)

page(
    "de-spelled-at-dot",
    url="https://www.imkerei-hummel.de/",
    lang="de",
    title="Imkerei Hummel – Honig aus dem Spessart",
    body="""<main><h1>Honig direkt vom Imker</h1><p>Wir sind ab 8 Uhr am Stand auf dem Wochenmarkt.
Sie finden uns an der Kirche. Treffen Sie uns at the market, wenn Sie Englisch sprechen.</p>
<p>Bestellen: honig at imkerei-hummel dot de</p><p>Telefon: 06021 456789</p></main>""",
    emails=["honig@imkerei-hummel.de"],
    phones=["+496021456789"],
    organisation="Imkerei Hummel",
)

page(
    "at-wien-tischler",
    url="https://www.tischlerei-gruber.at/",
    lang="de-AT",
    title="Tischlerei Gruber | Maßmöbel aus Wien",
    body="""<main><h1>Maßmöbel seit 1952</h1><p>Küchen, Schränke und Innenausbau aus Meisterhand.</p>
<p>Werkstatt: 01 234 5678 · Mobil: 0664 1234567</p>
<p>E-Mail: <a href="mailto:office@tischlerei-gruber.at">office@tischlerei-gruber.at</a></p>
<p>UID: ATU12345678 · FN 123456a · Firmenbuchgericht Wien</p></main>""",
    emails=["office@tischlerei-gruber.at"],
    phones=["+4312345678", "+436641234567"],
    organisation="Tischlerei Gruber",
)

page(
    "ch-zurich-treuhand",
    url="https://www.treuhand-meier.ch/kontakt",
    lang="de-CH",
    title="Kontakt - Treuhand Meier AG",
    body="""<main><h1>Kontakt</h1><p>Treuhand Meier AG<br>Bahnhofstrasse 10<br>8001 Zürich</p>
<p>T +41 44 123 45 67<br>F +41 44 123 45 68</p>
<p><a href="mailto:info@treuhand-meier.ch">info@treuhand-meier.ch</a></p>
<p>MWST-Nr. CHE-123.456.789 MWST</p>
<p><a href="https://ch.linkedin.com/company/treuhand-meier-ag">LinkedIn</a></p></main>""",
    emails=["info@treuhand-meier.ch"],
    phones=["+41441234567"],
    socials=["https://linkedin.com/company/treuhand-meier-ag"],
    organisation="Treuhand Meier AG",
)

page(
    "ch-fr-geneve",
    url="https://www.atelier-dubois.ch/",
    lang="fr-CH",
    title="Atelier Dubois – Horlogerie",
    body="""<main><h1>Réparation de montres</h1><p>Service depuis 1974, devis gratuit.</p>
<p>Tél. 022 345 67 89 · atelier(at)atelier-dubois.ch</p></main>""",
    emails=["atelier@atelier-dubois.ch"],
    phones=["+41223456789"],
    organisation="Atelier Dubois",
)

# ---------------------------------------------------------------- France, Belgium

page(
    "fr-plombier",
    url="https://www.plomberie-martin.fr/",
    lang="fr",
    title="Plomberie Martin - Dépannage à Lyon",
    nav=[("/", "Accueil"), ("/services", "Services"), ("/a-propos", "À propos"), ("/contact", "Contact"),
         ("/mentions-legales", "Mentions légales")],
    body="""<main><h1>Dépannage plomberie 7j/7</h1><p>Intervention en moins de 2 heures sur Lyon et
sa métropole. Devis gratuit, tarif horaire 65 € TTC.</p>
<p>Appelez-nous : <a href="tel:0478123456">04 78 12 34 56</a><br>Portable : 06 12 34 56 78</p>
<p>Par e-mail : contact@plomberie-martin.fr</p></main>""",
    footer="<p>SARL Plomberie Martin – SIRET 123 456 789 00012 – TVA FR 12 345678901 – capital 10 000 €</p>",
    emails=["contact@plomberie-martin.fr"],
    phones=["+33478123456", "+33612345678"],
    organisation="Plomberie Martin",
    contact_pages=["https://www.plomberie-martin.fr/a-propos", "https://www.plomberie-martin.fr/contact",
                   "https://www.plomberie-martin.fr/mentions-legales"],
)

page(
    "fr-mentions-legales",
    url="https://www.librairie-des-quais.fr/mentions-legales",
    lang="fr",
    title="Mentions légales | Librairie des Quais",
    body="""<main><h1>Mentions légales</h1>
<p>Éditeur : Librairie des Quais SAS, 12 quai de la Fosse, 44000 Nantes. RCS Nantes 812 345 678.</p>
<p>Directrice de la publication : Claire Lemoine.</p>
<p>Téléphone : +33 (0)2 40 12 34 56 – Fax : 02 40 12 34 57</p>
<p>Courriel : librairie [at] librairie-des-quais [point] fr</p>
<p>Hébergeur : OVH SAS, 2 rue Kellermann, 59100 Roubaix.</p></main>""",
    emails=["librairie@librairie-des-quais.fr"],
    phones=["+33240123456"],
    organisation="Librairie des Quais",
)

page(
    "fr-restaurant-jsonld",
    url="https://www.bistrot-le-marais.fr/",
    lang="fr",
    title="Bistrot Le Marais",
    jsonld=["""{"@context":"https://schema.org","@type":"Restaurant","name":"Bistrot Le Marais",
"telephone":"01 42 72 00 00","servesCuisine":"Française","priceRange":"€€",
"address":{"@type":"PostalAddress","streetAddress":"18 rue des Rosiers","addressLocality":"Paris","postalCode":"75004","addressCountry":"FR"}}"""],
    body="""<main><h1>Cuisine de bistrot</h1><p>Menu du jour 19,50 €. Ouvert du mardi au samedi,
12h–14h30 et 19h–22h30.</p><p>Réservations : reservation@bistrot-le-marais.fr</p>
<p><a href="https://www.instagram.com/bistrotlemarais/">@bistrotlemarais</a></p></main>""",
    emails=["reservation@bistrot-le-marais.fr"],
    phones=["+33142720000"],
    socials=["https://instagram.com/bistrotlemarais"],
    organisation="Bistrot Le Marais",
)

page(
    "fr-multi-mailto",
    url="https://www.cabinet-roux-avocats.fr/contact",
    lang="fr",
    title="Contact – Cabinet Roux Avocats",
    body="""<main><h1>Nous contacter</h1>
<p><a href="mailto:secretariat@cabinet-roux-avocats.fr,p.roux@cabinet-roux-avocats.fr?subject=Rendez-vous&amp;body=Bonjour">Écrire au cabinet</a></p>
<p>Standard : 01.45.67.89.10</p><p>Permanence le samedi matin sur rendez-vous.</p></main>""",
    emails=["secretariat@cabinet-roux-avocats.fr", "p.roux@cabinet-roux-avocats.fr"],
    phones=["+33145678910"],
    organisation="Cabinet Roux Avocats",
)

page(
    "be-bruxelles",
    url="https://www.chocolaterie-peeters.be/",
    lang="fr-BE",
    title="Chocolaterie Peeters | Bruxelles",
    body="""<main><h1>Pralines artisanales</h1><p>Boutique au Sablon, ouverte tous les jours.</p>
<p>Tél. 02 512 34 56 · info@chocolaterie-peeters.be</p><p>TVA BE 0123.456.789</p></main>""",
    emails=["info@chocolaterie-peeters.be"],
    phones=["+3225123456"],
    organisation="Chocolaterie Peeters",
)

# ---------------------------------------------------------------- United Kingdom

page(
    "gb-builders",
    url="https://www.harrison-builders.co.uk/",
    lang="en-GB",
    title="Harrison Builders Ltd | Extensions & Loft Conversions in London",
    nav=[("/", "Home"), ("/about-us", "About us"), ("/projects", "Projects"), ("/contact-us", "Contact us")],
    body="""<main><h1>Building London homes since 1996</h1>
<p>Over 400 extensions completed. Free survey and quotation within 7 days.</p>
<p>Call the office on 020 7946 0123 or our site manager on 07400 123456.</p>
<p>Email: enquiries@harrison-builders.co.uk</p></main>""",
    footer="""<p>Harrison Builders Ltd. Registered in England and Wales, Company No. 01234567.
VAT Reg. No. GB 123 4567 89. Registered office: 1 High Street, London N1 1AA.</p>""",
    share=True,
    emails=["enquiries@harrison-builders.co.uk"],
    phones=["+442079460123", "+447400123456"],
    organisation="Harrison Builders Ltd",
    contact_pages=["https://www.harrison-builders.co.uk/about-us", "https://www.harrison-builders.co.uk/contact-us"],
)

page(
    "gb-manchester-accountants",
    url="https://www.pennine-accounts.co.uk/contact",
    lang="en-GB",
    title="Contact | Pennine Accounts",
    body="""<main><h1>Get in touch</h1><p>Pennine Accounts, 22 Deansgate, Manchester M3 1AA</p>
<p>Tel: 0161 496 0456</p><p>Fax: 0161 496 0457</p>
<p><a href="mailto:hello@pennine-accounts.co.uk">hello@pennine-accounts.co.uk</a></p>
<p>Follow us: <a href="https://twitter.com/PennineAccounts">Twitter</a> ·
<a href="https://www.linkedin.com/company/pennine-accounts/">LinkedIn</a></p></main>""",
    emails=["hello@pennine-accounts.co.uk"],
    phones=["+441614960456"],
    socials=["https://x.com/pennineaccounts", "https://linkedin.com/company/pennine-accounts"],
    organisation="Pennine Accounts",
)

page(
    "gb-international-format",
    url="https://www.thistle-tours.co.uk/",
    lang="en",
    title="Thistle Tours – Highland Day Trips",
    body="""<main><h1>Highland day trips from Edinburgh</h1><p>Departures daily at 08:00 from
Waverley Bridge. Adults £59, children £45.</p>
<p>Booking line: +44 (0)131 496 0789</p><p>bookings@thistle-tours.co.uk</p></main>""",
    emails=["bookings@thistle-tours.co.uk"],
    phones=["+441314960789"],
    organisation="Thistle Tours",
)

page(
    "gb-charity-jsonld-graph",
    url="https://www.riverside-animal-rescue.org.uk/",
    lang="en-GB",
    title="Home - Riverside Animal Rescue",
    jsonld=["""{"@context":"https://schema.org","@graph":[
{"@type":"WebSite","@id":"https://www.riverside-animal-rescue.org.uk/#website","name":"Riverside Animal Rescue",
 "publisher":{"@id":"https://www.riverside-animal-rescue.org.uk/#org"}},
{"@type":["Organization","NGO"],"@id":"https://www.riverside-animal-rescue.org.uk/#org","name":"Riverside Animal Rescue Trust",
 "email":"adopt@riverside-animal-rescue.org.uk","telephone":"+44 117 496 0321",
 "sameAs":["https://www.facebook.com/RiversideAnimalRescue","https://twitter.com/riversiderescue","https://www.youtube.com/channel/UCa1B2c3D4e5F6g7H8i9J0kL"]},
{"@type":"WebPage","name":"Home"}]}"""],
    body="""<main><h1>Give a pet a second chance</h1><p>Registered charity no. 1123456. We rehome
over 300 animals a year.</p><p><a href="/donate">Donate</a></p></main>""",
    emails=["adopt@riverside-animal-rescue.org.uk"],
    phones=["+441174960321"],
    socials=["https://facebook.com/riversideanimalrescue", "https://x.com/riversiderescue",
             "https://youtube.com/channel/UCa1B2c3D4e5F6g7H8i9J0kL"],
    organisation="Riverside Animal Rescue Trust",
)

# ---------------------------------------------------------------- United States, Canada, Australia

page(
    "us-dental",
    url="https://www.brightsmile-dental.com/",
    lang="en-US",
    title="BrightSmile Dental | Family Dentist in Austin, TX",
    nav=[("/", "Home"), ("/about", "About"), ("/services", "Services"), ("/contact", "Contact")],
    body="""<main><h1>Your family dentist in Austin</h1><p>New patients welcome. Most insurance
accepted. Cleanings from $99.</p>
<p>Call us: <a href="tel:+15125550147">(512) 555-0147</a></p>
<p>Text: 512-555-0148 · Email: frontdesk@brightsmile-dental.com</p>
<p>Open Mon–Fri 8am–5pm. Est. 2009. Serving 12,000+ patients.</p></main>""",
    footer="""<p>1200 Congress Ave, Suite 300, Austin, TX 78701</p>
<p><a href="https://www.facebook.com/brightsmiledentalatx">Facebook</a> <a href="https://www.instagram.com/brightsmile.atx/">Instagram</a></p>""",
    emails=["frontdesk@brightsmile-dental.com"],
    phones=["+15125550147", "+15125550148"],
    socials=["https://facebook.com/brightsmiledentalatx", "https://instagram.com/brightsmile.atx"],
    organisation="BrightSmile Dental",
    contact_pages=["https://www.brightsmile-dental.com/about", "https://www.brightsmile-dental.com/contact"],
)

page(
    "us-saas-github",
    url="https://www.quillstack.io/",
    lang="en",
    region="US",
    title="Quillstack — Docs infrastructure for dev teams",
    body="""<main><h1>Docs that ship with your code</h1><p>Used by 2,400 teams. Version 3.2.1
released 2024-04-18.</p><pre>npm install @quillstack/cli@3.2.1</pre>
<p>Sales: sales@quillstack.io · Security reports: security@quillstack.io</p>
<p>Built on <a href="https://github.com/rust-lang/rust">Rust</a> and
<a href="https://github.com/withastro/astro">Astro</a>.</p></main>""",
    footer="""<p><a href="https://github.com/quillstack">GitHub</a> · <a href="https://x.com/quillstack">X</a> ·
<a href="https://www.linkedin.com/company/quillstack/">LinkedIn</a> · <a href="https://github.com/quillstack/quill/issues">Issues</a></p>
<p>Quillstack, Inc. · 548 Market St #12345, San Francisco, CA 94104 · (415) 555-0132</p>""",
    emails=["sales@quillstack.io", "security@quillstack.io"],
    phones=["+14155550132"],
    socials=["https://github.com/quillstack", "https://x.com/quillstack", "https://linkedin.com/company/quillstack"],
    organisation="Quillstack",
)

page(
    "us-law-firm-text-only",
    url="https://www.hale-ortiz-law.com/attorneys",
    lang="en-US",
    title="Our Attorneys - Hale & Ortiz LLP",
    body="""<main><h1>Our attorneys</h1>
<h3>Margaret Hale, Partner</h3><p>Direct: 212.555.0156 · mhale@hale-ortiz-law.com</p>
<h3>Daniel Ortiz, Partner</h3><p>Direct: 212.555.0157 · dortiz@hale-ortiz-law.com</p>
<p>Admitted 1999–2004. Case No. 2019-CV-004512 dismissed with prejudice.</p></main>""",
    footer="<p>Hale &amp; Ortiz LLP · 75 Broad St, New York, NY 10004 · Main 212-555-0100</p>",
    emails=["mhale@hale-ortiz-law.com", "dortiz@hale-ortiz-law.com"],
    phones=["+12125550156", "+12125550157", "+12125550100"],
    organisation="Hale & Ortiz LLP",
)

page(
    "us-restaurant-plus1",
    url="https://www.lucky-noodle-house.com/",
    lang="en",
    title="Lucky Noodle House",
    meta=['<meta property="og:site_name" content="Lucky Noodle House">',
          '<meta name="twitter:site" content="@luckynoodlehse">'],
    body="""<main><h1>Hand-pulled noodles</h1><p>Lunch specials $12.95. Open 11–10 daily.</p>
<p>Order pickup: +1 617 555 0119</p><p>Catering: catering@lucky-noodle-house.com</p></main>""",
    emails=["catering@lucky-noodle-house.com"],
    phones=["+16175550119"],
    socials=["https://x.com/luckynoodlehse"],
    organisation="Lucky Noodle House",
)

page(
    "ca-toronto",
    url="https://www.maplegrove-physio.ca/",
    lang="en-CA",
    title="Maple Grove Physiotherapy",
    body="""<main><h1>Physiotherapy in Toronto</h1><p>Direct billing available.</p>
<p>Phone: (416) 555-0199 · Fax: (416) 555-0198</p><p>clinic@maplegrove-physio.ca</p></main>""",
    emails=["clinic@maplegrove-physio.ca"],
    phones=["+14165550199"],
    organisation="Maple Grove Physiotherapy",
)

page(
    "au-sydney",
    url="https://www.harbourside-electrical.com.au/",
    lang="en-AU",
    title="Harbourside Electrical Pty Ltd",
    body="""<main><h1>Licensed electricians</h1><p>ABN 12 345 678 901 · Licence 123456C</p>
<p>Call (02) 9876 5432 or 0412 345 678</p><p>jobs@harbourside-electrical.com.au</p></main>""",
    emails=["jobs@harbourside-electrical.com.au"],
    phones=["+61298765432", "+61412345678"],
    organisation="Harbourside Electrical Pty Ltd",
)

# ---------------------------------------------------------------- Spain

page(
    "es-clinica",
    url="https://www.clinica-dental-sol.es/",
    lang="es",
    title="Clínica Dental Sol | Dentistas en Madrid",
    nav=[("/", "Inicio"), ("/quienes-somos", "Quiénes somos"), ("/contacto", "Contacto"), ("/aviso-legal", "Aviso legal")],
    body="""<main><h1>Tu sonrisa, nuestra especialidad</h1><p>Primera visita gratuita. Financiación
hasta 24 meses.</p><p>Teléfono: 912 345 678 · WhatsApp: 612 345 678</p>
<p>Correo: citas@clinica-dental-sol.es</p></main>""",
    footer="<p>Clínica Dental Sol S.L. · CIF B12345678 · Calle de Alcalá 100, 28009 Madrid</p>",
    emails=["citas@clinica-dental-sol.es"],
    phones=["+34912345678", "+34612345678"],
    organisation="Clínica Dental Sol",
    contact_pages=["https://www.clinica-dental-sol.es/quienes-somos", "https://www.clinica-dental-sol.es/contacto",
                   "https://www.clinica-dental-sol.es/aviso-legal"],
)

page(
    "es-barcelona-grouped",
    url="https://www.taller-mecanico-puig.es/contacto",
    lang="es",
    title="Contacto - Taller Mecánico Puig",
    body="""<main><h1>Contacto</h1><p>Carrer de Sants 200, 08028 Barcelona</p>
<p>Tel. 93 456 78 90</p><p>Horario: 8:00 - 19:00</p><p>taller@taller-mecanico-puig.es</p>
<p>Presupuesto nº 2024/0345 — válido 30 días.</p></main>""",
    emails=["taller@taller-mecanico-puig.es"],
    phones=["+34934567890"],
    organisation="Taller Mecánico Puig",
)

page(
    "es-jsonld-localbusiness",
    url="https://www.floristeria-azahar.es/",
    lang="es",
    title="Floristería Azahar - Flores a domicilio en Valencia",
    jsonld=["""{"@context":"http://schema.org","@type":"Florist","name":"Floristería Azahar",
"telephone":["+34 963 12 34 56","+34 654 32 10 98"],"email":"pedidos@floristeria-azahar.es",
"address":{"@type":"PostalAddress","streetAddress":"Calle de la Paz 5","addressLocality":"Valencia","postalCode":"46003","addressCountry":"ES"}}"""],
    body="""<main><h1>Flores frescas cada día</h1><p>Envío en el día para pedidos antes de las 13:00.
Ramos desde 29,90 €.</p></main>""",
    emails=["pedidos@floristeria-azahar.es"],
    phones=["+34963123456", "+34654321098"],
    organisation="Floristería Azahar",
)

page(
    "es-obfuscated-mixed",
    url="https://www.academia-idiomas-norte.es/",
    lang="es",
    title="Academia de Idiomas Norte",
    body="""<main><h1>Cursos de inglés y alemán</h1><p>Grupos reducidos, máximo 8 alumnos.</p>
<p>Escríbenos: info (at) academia-idiomas-norte (dot) es</p><p>Llámanos al 985 12 34 56</p></main>""",
    emails=["info@academia-idiomas-norte.es"],
    phones=["+34985123456"],
    organisation="Academia de Idiomas Norte",
)

# ---------------------------------------------------------------- Italy

page(
    "it-ristorante",
    url="https://www.trattoria-da-mario.it/",
    lang="it",
    title="Trattoria da Mario - Cucina romana",
    nav=[("/", "Home"), ("/chi-siamo", "Chi siamo"), ("/menu", "Menù"), ("/contatti", "Contatti")],
    body="""<main><h1>Cucina romana dal 1968</h1><p>Carbonara, amatriciana e cacio e pepe come una
volta. Menù degustazione 35 €.</p><p>Prenotazioni: 06 1234 5678 · Cell. 333 123 4567</p>
<p>info@trattoria-da-mario.it</p></main>""",
    footer="<p>Trattoria da Mario S.r.l. · P.IVA 01234567890 · Via dei Coronari 12, 00186 Roma</p>",
    emails=["info@trattoria-da-mario.it"],
    phones=["+390612345678", "+393331234567"],
    organisation="Trattoria da Mario",
    contact_pages=["https://www.trattoria-da-mario.it/chi-siamo", "https://www.trattoria-da-mario.it/contatti"],
)

page(
    "it-milano-studio",
    url="https://www.studio-bianchi-architetti.it/contatti",
    lang="it",
    title="Contatti | Studio Bianchi Architetti",
    body="""<main><h1>Contatti</h1><p>Studio Bianchi Architetti<br>Corso Magenta 32, 20123 Milano</p>
<p>Tel. <a href="tel:+390287654321">+39 02 8765 4321</a></p>
<p>PEC: studiobianchi@pec.studio-bianchi-architetti.it · Email: segreteria@studio-bianchi-architetti.it</p>
<p>C.F. e P.IVA 09876543210</p></main>""",
    emails=["studiobianchi@pec.studio-bianchi-architetti.it", "segreteria@studio-bianchi-architetti.it"],
    phones=["+390287654321"],
    organisation="Studio Bianchi Architetti",
)

page(
    "it-agriturismo-jsonld",
    url="https://www.agriturismo-il-poggio.it/",
    lang="it",
    title="Agriturismo Il Poggio",
    jsonld=["""[{"@context":"https://schema.org","@type":"LodgingBusiness","name":"Agriturismo Il Poggio",
"telephone":"+39 0577 123456","email":"ospiti@agriturismo-il-poggio.it",
"address":{"@type":"PostalAddress","addressLocality":"Montalcino","addressRegion":"SI","postalCode":"53024","addressCountry":"IT"}},
{"@context":"https://schema.org","@type":"BreadcrumbList","itemListElement":[]}]"""],
    body="""<main><h1>Vacanze tra le vigne</h1><p>Sei camere, piscina, degustazione di Brunello.</p>
<p><a href="https://www.facebook.com/agriturismoilpoggio/">Seguici su Facebook</a></p></main>""",
    emails=["ospiti@agriturismo-il-poggio.it"],
    phones=["+390577123456"],
    socials=["https://facebook.com/agriturismoilpoggio"],
    organisation="Agriturismo Il Poggio",
)

page(
    "it-dates-ids",
    url="https://www.ferramenta-rossi.it/",
    lang="it",
    title="Ferramenta Rossi",
    body="""<main><h1>Offerte di primavera</h1><p>Trapano avvitatore cod. 8001234567890 a 89,90 €,
offerta valida dal 01/04/2024 al 30/04/2024.</p><p>Negozio: 011 765 4321 — rossi.ferramenta@ferramenta-rossi.it</p>
<p>Orari: 8.30-12.30 / 15.00-19.30</p></main>""",
    emails=["rossi.ferramenta@ferramenta-rossi.it"],
    phones=["+390117654321"],
    organisation="Ferramenta Rossi",
)

# ---------------------------------------------------------------- Netherlands

page(
    "nl-installateur",
    url="https://www.installatiebedrijf-devries.nl/",
    lang="nl",
    title="Installatiebedrijf De Vries | Amsterdam",
    nav=[("/", "Home"), ("/over-ons", "Over ons"), ("/contact", "Contact")],
    body="""<main><h1>Cv-ketel kapot?</h1><p>Binnen 24 uur een monteur aan de deur. Onderhoud vanaf € 89.</p>
<p>Bel 020 123 4567 of 06 12345678 (spoed)</p><p>Mail: service@installatiebedrijf-devries.nl</p></main>""",
    footer="<p>KvK 12345678 · BTW NL123456789B01 · IBAN NL91 ABNA 0417 1643 00</p>",
    emails=["service@installatiebedrijf-devries.nl"],
    phones=["+31201234567", "+31612345678"],
    organisation="Installatiebedrijf De Vries",
    contact_pages=["https://www.installatiebedrijf-devries.nl/over-ons", "https://www.installatiebedrijf-devries.nl/contact"],
)

page(
    "nl-rotterdam-dash",
    url="https://www.fietsenmaker-jansen.nl/contact",
    lang="nl",
    title="Contact - Fietsenmaker Jansen",
    body="""<main><h1>Contact</h1><p>Fietsenmaker Jansen, Nieuwe Binnenweg 80, 3015 BE Rotterdam</p>
<p>Telefoon: 010-1234567</p><p>E-mail: <a href="mailto:winkel@fietsenmaker-jansen.nl">winkel@fietsenmaker-jansen.nl</a></p>
<p><a href="https://www.instagram.com/fietsenmakerjansen/">Instagram</a></p></main>""",
    emails=["winkel@fietsenmaker-jansen.nl"],
    phones=["+31101234567"],
    socials=["https://instagram.com/fietsenmakerjansen"],
    organisation="Fietsenmaker Jansen",
)

page(
    "nl-utrecht-international",
    url="https://www.studio-lente.nl/",
    lang="nl",
    title="Studio Lente – Grafisch ontwerp",
    body="""<main><h1>Ontwerp voor merken die groeien</h1><p>Huisstijlen, websites en verpakkingen.</p>
<p>+31 30 234 5678 · hallo@studio-lente.nl</p>
<p><a href="https://www.linkedin.com/company/studio-lente/">LinkedIn</a> · <a href="https://www.behance.net/studiolente">Behance</a></p></main>""",
    emails=["hallo@studio-lente.nl"],
    phones=["+31302345678"],
    socials=["https://linkedin.com/company/studio-lente"],
    organisation="Studio Lente",
)

# ---------------------------------------------------------------- Japan

page(
    "jp-kaisha",
    url="https://www.yamada-kogyo.co.jp/",
    lang="ja",
    title="山田工業株式会社",
    nav=[("/", "ホーム"), ("/company/", "会社概要"), ("/contact/", "お問い合わせ")],
    body="""<main><h1>精密部品の製造</h1><p>創業1962年。従業員120名。</p>
<p>〒100-0001 東京都千代田区千代田1-1</p><p>TEL 03-1234-5678　FAX 03-1234-5679</p>
<p>メール：info@yamada-kogyo.co.jp</p></main>""",
    emails=["info@yamada-kogyo.co.jp"],
    phones=["+81312345678"],
    organisation="山田工業株式会社",
    contact_pages=["https://www.yamada-kogyo.co.jp/company/", "https://www.yamada-kogyo.co.jp/contact/"],
)

page(
    "jp-fullwidth-at",
    url="https://www.sakura-ryokan.jp/",
    lang="ja",
    title="さくら旅館 | 京都の老舗旅館",
    body="""<main><h1>京都・東山の宿</h1><p>全8室。ご予約はお電話で。</p>
<p>電話：075-123-4567</p><p>メールアドレス：yoyaku＠sakura-ryokan.jp（＠を半角に変えてください）</p></main>""",
    emails=["yoyaku@sakura-ryokan.jp"],
    phones=["+81751234567"],
    organisation="さくら旅館",
)

page(
    "jp-mobile",
    url="https://www.tanaka-seitai.jp/",
    lang="ja",
    title="田中整体院",
    body="""<main><h1>肩こり・腰痛の整体</h1><p>初回 4,980円。</p><p>ご予約 090-1234-5678（田中）</p>
<p><a href="https://www.instagram.com/tanaka_seitai/">Instagram</a> <a href="https://x.com/tanaka_seitai">X</a></p></main>""",
    phones=["+819012345678"],
    socials=["https://instagram.com/tanaka_seitai", "https://x.com/tanaka_seitai"],
    organisation="田中整体院",
)

# ---------------------------------------------------------------- Other regions

page(
    "pl-warszawa",
    url="https://www.biuro-rachunkowe-nowak.pl/kontakt",
    lang="pl",
    title="Kontakt - Biuro Rachunkowe Nowak",
    body="""<main><h1>Kontakt</h1><p>ul. Marszałkowska 10, 00-590 Warszawa</p>
<p>tel. 22 123 45 67 · kom. 601 234 567</p><p>biuro@biuro-rachunkowe-nowak.pl</p><p>NIP 123-456-78-90</p></main>""",
    emails=["biuro@biuro-rachunkowe-nowak.pl"],
    phones=["+48221234567", "+48601234567"],
    organisation="Biuro Rachunkowe Nowak",
)

page(
    "se-stockholm",
    url="https://www.bageri-lind.se/",
    lang="sv",
    title="Bageri Lind",
    body="""<main><h1>Surdegsbröd från Södermalm</h1><p>Öppet alla dagar 7–18.</p>
<p>Telefon 08-123 456 78</p><p>hej@bageri-lind.se</p><p>Org.nr 556123-4567</p></main>""",
    emails=["hej@bageri-lind.se"],
    phones=["+46812345678"],
    organisation="Bageri Lind",
)

page(
    "pt-lisboa",
    url="https://www.pastelaria-aurora.pt/",
    lang="pt",
    title="Pastelaria Aurora | Lisboa",
    nav=[("/", "Início"), ("/sobre-nos", "Sobre nós"), ("/contactos", "Contactos")],
    body="""<main><h1>Pastéis de nata desde 1931</h1><p>Encomendas: 213 456 789 · 912 345 678</p>
<p>encomendas@pastelaria-aurora.pt</p><p>NIF 501234567</p></main>""",
    emails=["encomendas@pastelaria-aurora.pt"],
    phones=["+351213456789", "+351912345678"],
    organisation="Pastelaria Aurora",
    contact_pages=["https://www.pastelaria-aurora.pt/sobre-nos", "https://www.pastelaria-aurora.pt/contactos"],
)

# ---------------------------------------------------------------- Social-heavy pages

page(
    "social-all-networks",
    url="https://www.nordlicht-media.de/",
    lang="de",
    title="Nordlicht Media – Agentur für Bewegtbild",
    body="""<main><h1>Filme, die wirken</h1><p>Imagefilme, Social Clips und Livestreams aus Kiel.</p>
<p>hallo@nordlicht-media.de · 0431 9876543</p></main>""",
    footer="""<nav class="social">
<a href="https://de.linkedin.com/company/nordlicht-media-gmbh">LinkedIn</a>
<a href="https://www.xing.com/pages/nordlichtmediagmbh">Xing</a>
<a href="https://twitter.com/NordlichtMedia/">X</a>
<a href="https://de-de.facebook.com/NordlichtMedia/">Facebook</a>
<a href="https://instagram.com/nordlicht.media?igshid=abc123">Instagram</a>
<a href="https://m.youtube.com/c/NordlichtMediaKiel/videos">YouTube</a>
<a href="https://www.tiktok.com/@nordlicht.media?lang=de">TikTok</a>
<a href="https://github.com/orgs/nordlicht-media/repositories">GitHub</a></nav>""",
    share=True,
    emails=["hallo@nordlicht-media.de"],
    phones=["+494319876543"],
    socials=["https://linkedin.com/company/nordlicht-media-gmbh", "https://xing.com/pages/nordlichtmediagmbh",
             "https://x.com/nordlichtmedia", "https://facebook.com/nordlichtmedia",
             "https://instagram.com/nordlicht.media", "https://youtube.com/c/nordlichtmediakiel",
             "https://tiktok.com/@nordlicht.media", "https://github.com/nordlicht-media"],
    organisation="Nordlicht Media",
)

page(
    "social-share-only",
    url="https://www.blog-wandern-alpen.de/tour/zugspitze",
    lang="de",
    title="Tour: Über das Reintal auf die Zugspitze | Wanderblog",
    body="""<main><article><h1>Über das Reintal auf die Zugspitze</h1><p>21 km, 2.200 Höhenmeter,
zwei Tage. Übernachtung auf der Knorrhütte (Reservierung über die Hütte).</p>
<p>Start am 14.07.2023 um 6:30 Uhr am Olympiastadion.</p>
<p>Gefällt dir der Bericht? Teile ihn!</p>
<a href="https://www.facebook.com/dialog/share?app_id=123456&href=https%3A%2F%2Fblog">Facebook</a>
<a href="https://twitter.com/share?text=Zugspitze&url=https%3A%2F%2Fblog">Twitter</a>
<a href="https://x.com/intent/post?text=Zugspitze">X</a>
<a href="https://www.linkedin.com/shareArticle?mini=true&url=https%3A%2F%2Fblog">LinkedIn</a>
<a href="https://pinterest.com/pin/create/button/?url=x">Pinterest</a>
<a href="https://www.instagram.com/explore/tags/zugspitze/">#zugspitze</a>
<a href="https://twitter.com/hashtag/wandern">#wandern</a>
<a href="https://www.youtube.com/watch?v=abc123xyz">Video der Tour</a>
<a href="https://www.tiktok.com/tag/wandern">TikTok-Trend</a></article></main>""",
    share=True,
    assets=True,
    organisation="Wanderblog",
)

page(
    "social-widgets-and-embeds",
    url="https://www.cafe-am-markt.de/",
    lang="de",
    title="Café am Markt",
    body="""<main><h1>Kaffee, Kuchen, Markt</h1><p>Mo–Sa 8–18 Uhr.</p>
<iframe src="https://www.facebook.com/plugins/page.php?href=https%3A%2F%2Fwww.facebook.com%2Fcafeammarkt&tabs=timeline"></iframe>
<blockquote class="twitter-tweet"><a href="https://twitter.com/cafeammarkt/status/1234567890123456789">Tweet</a></blockquote>
<script async src="https://platform.twitter.com/widgets.js"></script>
<img src="https://www.facebook.com/tr?id=1234567890&ev=PageView&noscript=1" alt="">
<a href="https://www.facebook.com/cafeammarkt">Besuchen Sie uns auf Facebook</a>
<a href="https://www.facebook.com/login.php">Login</a>
<a href="https://github.com/login">GitHub login</a>
<p>Tel. 0761 2345678</p></main>""",
    phones=["+497612345678"],
    socials=["https://facebook.com/cafeammarkt"],
    organisation="Café am Markt",
)

page(
    "social-meta-tags",
    url="https://www.urban-climbing-gym.com/",
    lang="en-US",
    title="Urban Climbing Gym",
    meta=['<meta name="twitter:site" content="@UrbanClimbGym">',
          '<meta name="twitter:creator" content="@UrbanClimbGym">',
          '<meta property="article:publisher" content="https://www.facebook.com/urbanclimbinggym">',
          '<meta property="og:site_name" content="Urban Climbing Gym">'],
    body="""<main><h1>Climb every day</h1><p>Day pass $22. Memberships from $69/month.</p>
<p>Front desk: (303) 555-0172 · climb@urban-climbing-gym.com</p></main>""",
    emails=["climb@urban-climbing-gym.com"],
    phones=["+13035550172"],
    socials=["https://x.com/urbanclimbgym", "https://facebook.com/urbanclimbinggym"],
    organisation="Urban Climbing Gym",
)

page(
    "social-youtube-user-and-linkedin-school",
    url="https://www.volkshochschule-nordstadt.de/",
    lang="de",
    title="VHS Nordstadt",
    body="""<main><h1>Kurse für alle</h1><p>Über 600 Kurse im Semester.</p>
<p><a href="https://www.youtube.com/user/VHSNordstadt">YouTube</a>
<a href="https://www.linkedin.com/school/vhs-nordstadt/">LinkedIn</a>
<a href="https://www.facebook.com/profile.php?id=100064123456789">Facebook</a>
<a href="https://youtu.be/abcdefghijk">Imagefilm</a></p>
<p>Anmeldung: anmeldung@volkshochschule-nordstadt.de · 0231 5550123</p></main>""",
    emails=["anmeldung@volkshochschule-nordstadt.de"],
    phones=["+492315550123"],
    socials=["https://youtube.com/user/vhsnordstadt", "https://linkedin.com/school/vhs-nordstadt",
             "https://facebook.com/profile.php?id=100064123456789"],
    organisation="VHS Nordstadt",
)

# ---------------------------------------------------------------- Pages that must yield nothing (or little)

page(
    "neg-asset-names",
    url="https://www.fotostudio-licht.de/portfolio",
    lang="de",
    title="Portfolio | Fotostudio Licht",
    body="""<main><h1>Portfolio</h1><p>Dateien zum Download: logo@2x.png, logo@3x.png, header@2x.jpg,
icon-set@1.5x.svg, banner@2x.webp, sprite@2x.gif, main@1.2.3.js, theme@4.1.css</p>
<img src="/img/portrait@2x.jpg" srcset="/img/portrait@2x.jpg 2x"><p>Alle Bilder © 2024.</p></main>""",
    assets=True,
    organisation="Fotostudio Licht",
)

page(
    "neg-placeholders",
    url="https://demo-theme-business.de/",
    lang="en",
    title="Business Theme Demo",
    body="""<main><h1>Theme demo</h1><p>Contact: info@yourdomain.com · you@example.com ·
hello@example.org · name@domain.com · your.name@company.com · email@email.com</p>
<p>Phone: +1 (555) 123-4567 · 0123 456789 · 000 000 0000</p>
<p>Lorem ipsum dolor sit amet, user@test.com, john.doe@example.net.</p></main>""",
    organisation="Business Theme Demo",
)

page(
    "neg-tracking-and-escapes",
    url="https://www.shop-kerzen-licht.de/",
    lang="de",
    title="Kerzenlicht Shop",
    body="""<main><h1>Handgezogene Kerzen</h1>
<p>Debug: 605a7baede844d278b89dc95ae0a9123@sentry-next.wixpress.com</p>
<p>abc123def456@o450123.ingest.sentry.io</p>
<p>Artikel 40-1234-56, 12,90 €, Lieferzeit 2–3 Werktage.</p>
<p>Kontakt über unser Formular.</p></main>""",
    organisation="Kerzenlicht Shop",
)

page(
    "neg-numbers-only",
    url="https://www.statistik-verein.de/bericht",
    lang="de",
    title="Jahresbericht 2023 | Statistikverein",
    body="""<main><h1>Jahresbericht 2023</h1>
<table><tr><td>Mitglieder</td><td>12 345</td></tr><tr><td>Einnahmen</td><td>1.234.567,89 €</td></tr>
<tr><td>Zeitraum</td><td>01.01.2023 – 31.12.2023</td></tr><tr><td>Projekte</td><td>2019-2023</td></tr>
<tr><td>ISBN</td><td>978-3-16-148410-0</td></tr><tr><td>Vereinsregister</td><td>VR 12345</td></tr>
<tr><td>Konto</td><td>IBAN DE02 1203 0000 0000 2020 51</td></tr><tr><td>Postleitzahl</td><td>10115</td></tr></table>
<p>Version 2.10.4, Build 20240315.1</p></main>""",
    organisation="Statistikverein",
)

page(
    "neg-parked",
    url="http://sonnenhof-ferien.de/",
    lang="en",
    title="sonnenhof-ferien.de",
    body="""<div class="lander"><h1>sonnenhof-ferien.de</h1><p>This domain may be for sale!</p>
<p>Related searches: Ferienwohnung, Urlaub Bayern, Hotel günstig</p>
<p>Inquiries: <a href="https://www.sedo.com/search/details/?domain=sonnenhof-ferien.de">Make an offer</a></p>
<p>© 2024 Copyright. All rights reserved. Privacy Policy</p></div>""",
)

page(
    "neg-handles-and-at-words",
    url="https://www.kunstverein-hafen.de/",
    lang="en",
    title="Kunstverein Hafen",
    body="""<main><h1>Exhibitions</h1><p>Follow @kunstvereinhafen for news. Tag us #hafenart.</p>
<p>Meet us at the opening at 7 pm. Tickets at the door at 5 €. We are at home at hafen dot events
every Friday. See you at 8.</p><p>Curated by @anna_meier and @studio.blau.</p></main>""",
    organisation="Kunstverein Hafen",
)

page(
    "neg-fax-only",
    url="https://www.notariat-berg.de/",
    lang="de",
    title="Notariat Berg",
    body="""<main><h1>Notariat Berg</h1><p>Beurkundungen nach Vereinbarung.</p>
<p>Telefax: 0611 7654321</p><p>Fax-Nr. 0611 7654322</p><p>Sprechzeiten 9-12 Uhr</p></main>""",
    organisation="Notariat Berg",
)

# ---------------------------------------------------------------- Mixed and edge cases

page(
    "mix-percent-and-entities-mailto",
    url="https://www.weingut-kessler.de/",
    lang="de",
    title="Weingut Kessler | Riesling von der Mosel",
    body="""<main><h1>Riesling seit fünf Generationen</h1>
<p><a href="mailto:%76%65%72%6B%61%75%66@%77%65%69%6E%67%75%74-%6B%65%73%73%6C%65%72.de">Verkauf</a></p>
<p><a href="&#109;&#97;&#105;&#108;&#116;&#111;&#58;weinprobe&#64;weingut-kessler.de">Weinprobe buchen</a></p>
<p>Hofladen: 06531 12345 (Sa 10–16 Uhr)</p></main>""",
    emails=["verkauf@weingut-kessler.de", "weinprobe@weingut-kessler.de"],
    phones=["+49653112345"],
    organisation="Weingut Kessler",
)

page(
    "mix-default-region",
    url="https://www.globex-logistics.com/",
    region="NL",
    lang="en",
    title="Globex Logistics B.V.",
    body="""<main><h1>Freight forwarding from Rotterdam</h1><p>Office: 010 234 5678 · Warehouse: 0181 123456</p>
<p>ops@globex-logistics.com</p></main>""",
    emails=["ops@globex-logistics.com"],
    phones=["+31102345678", "+31181123456"],
    organisation="Globex Logistics B.V.",
)

page(
    "mix-region-from-jsonld-country",
    url="https://www.alpenhof-catering.com/",
    lang="de",
    title="Alpenhof Catering",
    jsonld=["""{"@context":"https://schema.org","@type":"FoodEstablishment","name":"Alpenhof Catering GmbH",
"address":{"@type":"PostalAddress","addressLocality":"Innsbruck","postalCode":"6020","addressCountry":"AT"}}"""],
    body="""<main><h1>Catering für Feste</h1><p>Telefon 0512 123456 · feste@alpenhof-catering.com</p></main>""",
    emails=["feste@alpenhof-catering.com"],
    phones=["+43512123456"],
    organisation="Alpenhof Catering GmbH",
)

page(
    "mix-role-and-personal",
    url="https://www.kita-regenbogen.de/",
    lang="de",
    title="Kita Regenbogen",
    body="""<main><h1>Kita Regenbogen</h1><p>Leitung: Sabine Ulrich, s.ulrich@kita-regenbogen.de</p>
<p>Verwaltung: verwaltung@kita-regenbogen.de · Elternbeirat: elternbeirat+2024@kita-regenbogen.de</p>
<p>Bitte keine Antworten an noreply@kita-regenbogen.de senden.</p><p>Telefon 0201 123456</p></main>""",
    emails=["s.ulrich@kita-regenbogen.de", "verwaltung@kita-regenbogen.de",
            "elternbeirat+2024@kita-regenbogen.de", "noreply@kita-regenbogen.de"],
    phones=["+49201123456"],
    organisation="Kita Regenbogen",
)

page(
    "mix-two-numbers-slash",
    url="https://www.pension-waldrand.de/",
    lang="de",
    title="Pension Waldrand – Urlaub im Harz",
    body="""<main><h1>Pension Waldrand</h1><p>Zimmer ab 49 € inkl. Frühstück.</p>
<p>Tel.: 05321 12345 / 0170 2345678</p><p>E-Mail: urlaub@pension-waldrand.de</p></main>""",
    emails=["urlaub@pension-waldrand.de"],
    phones=["+49532112345", "+491702345678"],
    organisation="Pension Waldrand",
)

page(
    "mix-idn-domain",
    url="https://www.xn--mller-kva.de/",
    lang="de",
    title="Schreinerei Müller",
    body="""<main><h1>Schreinerei Müller</h1><p>Schreiben Sie an werkstatt@müller.de oder rufen Sie an: 0621 9988776</p></main>""",
    emails=["werkstatt@xn--mller-kva.de"],
    phones=["+496219988776"],
    organisation="Schreinerei Müller",
)

page(
    "mix-noscript-and-template",
    url="https://www.yoga-raum-mitte.de/",
    lang="de",
    title="Yoga Raum Mitte",
    body="""<main><h1>Yoga in Mitte</h1><p>Kurse täglich.</p>
<noscript><p>Bitte buchen Sie per E-Mail: buchung@yoga-raum-mitte.de</p></noscript>
<template><p>vorlage@yoga-raum-mitte.de</p></template>
<p>Telefon: 030 44556677</p></main>""",
    emails=["buchung@yoga-raum-mitte.de"],
    phones=["+493044556677"],
    organisation="Yoga Raum Mitte",
)

page(
    "mix-og-site-name",
    url="https://www.physio-am-park.de/leistungen",
    lang="de",
    title="Leistungen",
    meta=['<meta property="og:site_name" content="Physiotherapie am Park">'],
    body="""<main><h1>Leistungen</h1><p>Krankengymnastik, Manuelle Therapie, Lymphdrainage.</p>
<p>Termine unter 0345 6789012 oder termine@physio-am-park.de</p></main>""",
    emails=["termine@physio-am-park.de"],
    phones=["+493456789012"],
    organisation="Physiotherapie am Park",
)

page(
    "mix-us-no-region-international-only",
    url="https://www.summit-outfitters.com/",
    lang="en",
    title="Summit Outfitters",
    body="""<main><h1>Gear for the mountains</h1><p>Free shipping over $75.</p>
<p>Customer care: +1 (970) 555-0165 · help@summit-outfitters.com</p>
<p>Order #10023-4455 shipped 05/14/2024.</p></main>""",
    emails=["help@summit-outfitters.com"],
    phones=["+19705550165"],
    organisation="Summit Outfitters",
)

page(
    "mix-address-on-contact-page",
    url="https://www.orthopaedie-hansen.de/kontakt",
    lang="de",
    title="Kontakt | Orthopädie Hansen",
    jsonld=["""{"@context":"https://schema.org","@type":"MedicalClinic","name":"Orthopädie Hansen",
"address":{"@type":"PostalAddress","streetAddress":"Marktplatz 2","addressLocality":"Kiel","postalCode":"24103","addressCountry":"DE"},
"contactPoint":[{"@type":"ContactPoint","contactType":"reservations","telephone":"+49-431-555666","email":"praxis@orthopaedie-hansen.de"}]}"""],
    body="""<main><h1>Kontakt</h1><p>Rezeption: 0431 555666 · Fax: 0431 555667</p>
<p>Notfälle: 0431 555660</p></main>""",
    emails=["praxis@orthopaedie-hansen.de"],
    phones=["+49431555666", "+49431555660"],
    organisation="Orthopädie Hansen",
)

page(
    "mix-inline-joined-text",
    url="https://www.reisebuero-sonne.de/",
    lang="de",
    title="Reisebüro Sonne",
    body="""<main><h1>Reisebüro Sonne</h1>
<p>E-Mail:<span>reisen</span>@<span>reisebuero-sonne.de</span></p>
<p>Telefon:<b>0711</b> <b>223344</b></p>
<div>kontakt@reisebuero-sonne.de</div><div>Öffnungszeiten 9–18 Uhr</div></main>""",
    emails=["reisen@reisebuero-sonne.de", "kontakt@reisebuero-sonne.de"],
    phones=["+49711223344"],
    organisation="Reisebüro Sonne",
)

page(
    "mix-tel-formats",
    url="https://www.autohaus-berger.de/",
    lang="de",
    title="Autohaus Berger",
    body="""<main><h1>Autohaus Berger</h1>
<p><a href="tel:004989111222">Verkauf</a> · <a href="tel:+49-89-111-223">Werkstatt</a> ·
<a href="tel:089%20111%20224">Teiledienst</a> · <a href="callto:+4989111225">Skype</a></p>
<p>Öffnungszeiten: Mo–Fr 7:30–18:00</p></main>""",
    phones=["+4989111222", "+4989111223", "+4989111224", "+4989111225"],
    organisation="Autohaus Berger",
)


# ---------------------------------------------------------------- Held out
#
# Written after the extractor's rules were tuned on the pages above, and measured once before
# any change (docs/leads.md gives that first run): an estimate less flattered by the tuning.

page(
    "ho-de-maler-switchboard",
    url="https://www.maler-huber.de/",
    lang="de",
    title="Malerbetrieb Huber – Meisterbetrieb in München",
    body="""<main><h1>Farbe für Ihr Zuhause</h1><p>Innen- und Fassadenarbeiten, Tapezieren,
Lackieren. Kostenlose Besichtigung innerhalb von 5 Werktagen.</p>
<p>Tel: +49 (0) 89 / 54 32 10-0<br>Fax: +49 (0) 89 / 54 32 10-99<br>
E-Mail: info(at)maler-huber.de</p>
<p><a href="https://www.instagram.com/malerhuber_muenchen/?utm_source=ig_web">Instagram</a></p></main>""",
    footer="<p>Malerbetrieb Huber GmbH · Registergericht München HRB 987654 · USt-IdNr. DE 987654321</p>",
    emails=["info@maler-huber.de"],
    phones=["+49895432100"],
    socials=["https://instagram.com/malerhuber_muenchen"],
    organisation="Malerbetrieb Huber",
)

page(
    "ho-fr-avocat",
    url="https://www.cabinet-leroy-avocat.fr/contact",
    lang="fr",
    title="Contact | Cabinet Leroy, avocat à Paris",
    body="""<main><h1>Prendre rendez-vous</h1><p>Maître Hélène Leroy reçoit sur rendez-vous du lundi
au vendredi.</p><p>Tél : +33 (0)1 53 45 67 89</p><p>Courriel : contact[@]cabinet-leroy-avocat.fr</p>
<p><a href="https://fr.linkedin.com/in/helene-leroy-avocat">Mon profil LinkedIn</a></p>
<p>SELARL Cabinet Leroy – RCS Paris B 123 456 789 – capital de 5 000 € – Toque C1234</p></main>""",
    emails=["contact@cabinet-leroy-avocat.fr"],
    phones=["+33153456789"],
    socials=["https://linkedin.com/in/helene-leroy-avocat"],
    organisation="Cabinet Leroy, avocat à Paris",
)

page(
    "ho-gb-cafe",
    url="https://www.cornercafe-bristol.co.uk/",
    lang="en-GB",
    title="The Little Corner Café | Bristol",
    body="""<main><h1>Coffee, cake and company</h1><p>Open 8am–4pm, seven days. Flat white £3.20.</p>
<p>Book a table: 0117 496 0123</p><p>Say hello: hello@cornercafe-bristol.co.uk</p>
<p><a href="https://twitter.com/CornerCafeBris">Twitter</a> <a href="https://www.tripadvisor.co.uk/Restaurant_Review-g186220-d1234567">TripAdvisor</a></p></main>""",
    emails=["hello@cornercafe-bristol.co.uk"],
    phones=["+441174960123"],
    socials=["https://x.com/cornercafebris"],
    organisation="The Little Corner Café",
)

page(
    "ho-us-plumber",
    url="https://www.rocky-plumbing.com/",
    lang="en-US",
    title="Rocky Mountain Plumbing – Denver Plumbers",
    body="""<main><h1>Fast, honest plumbing in Denver</h1><p>Water heaters from $1,199. Drain
cleaning $149. Licensed since 2003, license #PL-004512.</p>
<p>Call (720) 555-0142 or text 720.555.0143</p><p>Email: service AT rocky-plumbing DOT com</p>
<p><a href="https://www.facebook.com/RockyMountainPlumbingDenver/">Facebook</a>
<a href="https://www.addtoany.com/share#url=https%3A%2F%2Fwww.rocky-plumbing.com">Share</a>
<a href="https://www.yelp.com/biz/rocky-mountain-plumbing-denver">Yelp</a></p></main>""",
    emails=["service@rocky-plumbing.com"],
    phones=["+17205550142", "+17205550143"],
    socials=["https://facebook.com/rockymountainplumbingdenver"],
    organisation="Rocky Mountain Plumbing",
)

page(
    "ho-es-inmobiliaria",
    url="https://www.inmobiliaria-costa.es/pisos/ref-2024-1234",
    lang="es",
    title="Piso en venta en Málaga, 120 m² – Inmobiliaria Costa",
    body="""<main><h1>Piso luminoso junto al puerto</h1><p>Ref. 2024-1234 · 350.000 € · 120 m² ·
3 dormitorios · planta 4ª · año 1998.</p><p>Pregunte por Lucía: Tlf. 952 12 34 56 ·
Móvil 678 90 12 34</p><p>info@inmobiliaria-costa.es</p></main>""",
    emails=["info@inmobiliaria-costa.es"],
    phones=["+34952123456", "+34678901234"],
    organisation="Inmobiliaria Costa",
)

page(
    "ho-it-hotel-jsonld",
    url="https://www.hotel-ponte-vecchio.it/",
    lang="it",
    title="Hotel Ponte Vecchio Firenze",
    jsonld=["""{"@context":"https://schema.org","@type":"Hotel","name":"Hotel Ponte Vecchio",
"telephone":"+39 055 123 4567","address":{"@type":"PostalAddress","streetAddress":"Borgo San Jacopo 8",
"addressLocality":"Firenze","postalCode":"50125","addressCountry":"IT"},"starRating":{"@type":"Rating","ratingValue":"4"}}"""],
    body="""<main><h1>Nel cuore di Firenze</h1><p>CIN IT048017A1B2C3D4E5 · 24 camere.</p>
<p><a href="mailto:booking@hotel-ponte-vecchio.it?subject=Richiesta%20disponibilit%C3%A0">Scrivici</a></p>
<p><a href="https://www.instagram.com/hotelpontevecchio/">Instagram</a> · <a href="https://www.tripadvisor.it/Hotel_Review-g187895">TripAdvisor</a></p></main>""",
    emails=["booking@hotel-ponte-vecchio.it"],
    phones=["+390551234567"],
    socials=["https://instagram.com/hotelpontevecchio"],
    organisation="Hotel Ponte Vecchio",
)

page(
    "ho-nl-tandarts",
    url="https://www.tandartsdebilt.nl/",
    lang="nl",
    title="Tandartspraktijk De Bilt",
    body="""<main><h1>Welkom bij onze praktijk</h1><p>Nieuwe patiënten zijn welkom.</p>
<p>T: 030 - 123 45 67<br>E: praktijk@tandartsdebilt.nl</p><p>KvK 87654321 · AGB 12345678</p></main>""",
    emails=["praktijk@tandartsdebilt.nl"],
    phones=["+31301234567"],
    organisation="Tandartspraktijk De Bilt",
)

page(
    "ho-jp-cafe",
    url="https://www.kissa-umeda.jp/",
    lang="ja",
    title="喫茶うめだ｜大阪・梅田の純喫茶",
    body="""<main><h1>昭和レトロな純喫茶</h1><p>営業時間 11:00～20:00（水曜定休）</p>
<p>〒530-0001 大阪府大阪市北区梅田1-2-3</p><p>TEL：06-6123-4567</p>
<p>ご予約・お問い合わせ：info@kissa-umeda.jp</p></main>""",
    emails=["info@kissa-umeda.jp"],
    phones=["+81661234567"],
    organisation="喫茶うめだ｜大阪・梅田の純喫茶",
)

page(
    "ho-at-hotel-social",
    url="https://www.alpenrose-tirol.at/",
    lang="de-AT",
    title="Hotel Alpenrose ★★★★ Tirol",
    body="""<main><h1>Urlaub in den Bergen</h1><p>Halbpension ab € 139 pro Person und Nacht.</p>
<p>+43 (0) 512 / 12 34 56 · hotel@alpenrose-tirol.at</p>
<p><a href="https://www.facebook.com/hotelalpenrosetirol">Facebook</a>
<a href="https://www.instagram.com/alpenrose.tirol/">Instagram</a>
<a href="https://www.youtube.com/@AlpenroseTirol/featured">YouTube</a></p></main>""",
    share=True,
    emails=["hotel@alpenrose-tirol.at"],
    phones=["+43512123456"],
    socials=["https://facebook.com/hotelalpenrosetirol", "https://instagram.com/alpenrose.tirol",
             "https://youtube.com/@alpenrosetirol"],
    organisation="Hotel Alpenrose ★★★★ Tirol",
)

page(
    "ho-neg-developer-blog",
    url="https://www.devnotes-blog.de/posts/css-tipps",
    lang="de",
    title="CSS-Tipps für 2024 | devnotes",
    body="""<main><article><h1>Zehn CSS-Tipps</h1><p>Veröffentlicht am 12.03.2024, aktualisiert
2024-04-02. Lesezeit 7 min.</p><pre>@media (min-width: 768px) { .grid { gap: 1.5rem; } }
@import url("theme@2x.css");
git clone git@github.com:devnotes/css-tipps.git
npm i postcss@8.4.38 autoprefixer@10.4.19</pre>
<p>Beispiel: <code>user@example.com</code> oder <code>admin@localhost</code>.</p>
<p>Version 3.14.159, Build 20240402, 1.234.567 Downloads, ISBN 978-3-16-148410-0.</p>
<p>Fragen an den Autor: autor@devnotes-blog.de</p></article></main>""",
    share=True,
    emails=["autor@devnotes-blog.de"],
    organisation="devnotes",
)

page(
    "ho-ch-jsonld-graph",
    url="https://www.schreinerei-aebi.ch/",
    lang="de-CH",
    title="Schreinerei Aebi",
    jsonld=["""{"@context":"https://schema.org","@graph":[{"@type":"Organization","name":"Schreinerei Aebi AG",
"sameAs":["https://ch.linkedin.com/company/schreinerei-aebi","https://x.com/SchreinereiAebi"],
"contactPoint":{"@type":"ContactPoint","telephone":"+41 31 123 45 67","contactType":"customer service"}},
{"@type":"WebSite","name":"Schreinerei Aebi","url":"https://www.schreinerei-aebi.ch/"}]}"""],
    body="""<main><h1>Massivholzmöbel aus dem Emmental</h1><p>Seit 1921 in vierter Generation.</p>
<p>Offerten an werkstatt@schreinerei-aebi.ch</p></main>""",
    emails=["werkstatt@schreinerei-aebi.ch"],
    phones=["+41311234567"],
    socials=["https://linkedin.com/company/schreinerei-aebi", "https://x.com/schreinereiaebi"],
    organisation="Schreinerei Aebi AG",
)

page(
    "ho-be-bakkerij",
    url="https://www.bakkerij-janssens.be/",
    lang="nl-BE",
    title="Bakkerij Janssens – Antwerpen",
    body="""<main><h1>Vers brood sinds 1956</h1><p>Taarten bestellen tot 48 uur vooraf.</p>
<p>Tel. +32 (0)3 231 45 67 · GSM 0470 12 34 56</p><p>info@bakkerij-janssens.be</p>
<p>BTW BE 0123.456.789 · RPR Antwerpen</p></main>""",
    emails=["info@bakkerij-janssens.be"],
    phones=["+3232314567", "+32470123456"],
    organisation="Bakkerij Janssens",
)


def main():
    for old in os.listdir(HERE):
        if old.endswith(".html"):
            os.remove(os.path.join(HERE, old))
    names = set()
    for p in PAGES:
        assert p["name"] not in names, p["name"]
        names.add(p["name"])
        with open(os.path.join(HERE, p["name"] + ".html"), "w", encoding="utf-8") as f:
            f.write(front_matter(p))
            f.write(chrome(p))
    print("%d pages" % len(PAGES))


if __name__ == "__main__":
    main()
