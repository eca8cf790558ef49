"""Business-page text for the corpus, written by the Dragnet team (no copied pages).

Per language: business intros (name, title, intro paragraph, product lines) and generic
paragraphs shared by that language's pages.
"""

BUSINESSES = {
    "en": [
        ("Harbour Lane Bakery", "Harbour Lane Bakery – Sourdough and Pastries in Bristol",
         "Harbour Lane Bakery has been baking bread by the old harbour since 1998. Every night our "
         "small team mixes, folds and shapes the dough by hand, and every morning at six the first "
         "loaves come out of our stone oven. We use flour from a mill in Somerset, butter from a "
         "dairy down the road and no shortcuts. Our sourdough rests for thirty hours before it is "
         "baked, which gives it the open crumb and deep crust our regulars queue for on Saturdays.",
         ["Country sourdough", "Rye and caraway loaf", "Almond croissants", "Seasonal fruit tarts"]),
        ("Northfield Roofing", "Northfield Roofing Ltd | Roof Repairs, Slate and Flat Roofs",
         "Northfield Roofing is a family firm of roofers working across Leeds and West Yorkshire. "
         "We repair leaks, replace slipped slates, rebuild chimneys and fit new flat roofs with a "
         "twenty year guarantee. Every job starts with a free survey: one of our senior roofers "
         "climbs up, takes photographs and explains exactly what is wrong before we quote. We do "
         "not use subcontractors, we clear up after ourselves and we answer the phone when it rains.",
         ["Slate and tile repairs", "Flat roof replacement", "Chimney repointing", "Gutter cleaning"]),
        ("Meadow Veterinary Clinic", "Meadow Veterinary Clinic – Caring for Pets in Oxford",
         "Meadow Veterinary Clinic looks after dogs, cats, rabbits and small pets in north Oxford. "
         "Our four vets and six nurses offer vaccinations, dental care, surgery and nutrition advice "
         "in a calm clinic with separate waiting rooms for cats and dogs. We believe that good care "
         "starts with time, so routine consultations last fifteen minutes and we always explain the "
         "options and their costs before any treatment begins.",
         ["Vaccinations and health checks", "Dental care", "Neutering and surgery", "Pet insurance advice"]),
        ("Atlas Marine Sales", "Atlas Marine – Used Boats for Sale, Brokerage and Servicing",
         "Atlas Marine has been selling boats on the south coast for over twenty years. Browse our "
         "used boats for sale, from small day boats and fishing boats to cruising yachts, all "
         "inspected by our own engineers before they are listed. We also sell boats on behalf of "
         "owners through our brokerage, service outboard engines and store boats over the winter. "
         "Visit our yard in Poole any day of the week and take a sea trial before you buy.",
         ["Used motor boats for sale", "Sailing yachts for sale", "Brokerage for owners", "Engine servicing"]),
        ("DomainForge", "DomainForge – Register Domain Names and Hosting",
         "DomainForge is an accredited registrar that helps small businesses find and register the "
         "right domain name. Search more than five hundred extensions, compare prices and register "
         "a domain in under a minute. Every domain includes free DNS management, e-mail forwarding "
         "and privacy protection. Looking for a name that is already taken? Our brokers can contact "
         "the owner for you, and our marketplace lists premium domains for sale by other customers.",
         ["Domain registration", "Domain transfers", "Web hosting", "Domain brokerage"]),
    ],
    "de": [
        ("Schreinerei Holzmann", "Schreinerei Holzmann – Möbel nach Maß aus Freiburg",
         "Die Schreinerei Holzmann fertigt seit drei Generationen Möbel nach Maß im Herzen von "
         "Freiburg. Ob Einbauschrank unter der Dachschräge, massiver Esstisch aus heimischer Eiche "
         "oder eine komplette Küche: Wir planen jedes Stück gemeinsam mit Ihnen, zeichnen es in "
         "unserer Werkstatt und bauen es mit Sorgfalt und viel Liebe zum Detail. Unsere Hölzer "
         "stammen aus nachhaltiger Forstwirtschaft im Schwarzwald.",
         ["Einbauschränke", "Küchen nach Maß", "Massivholztische", "Innenausbau"]),
        ("Autohaus Berger", "Autohaus Berger – Gebrauchtwagen und Werkstatt in Kassel",
         "Im Autohaus Berger in Kassel finden Sie über hundert geprüfte Gebrauchtwagen aller Marken. "
         "Jedes Fahrzeug wird von unseren Meistern durchgesehen, bevor es zum Verkauf steht, und "
         "erhält zwölf Monate Garantie. Wir nehmen Ihren alten Wagen in Zahlung, beraten Sie zur "
         "Finanzierung und kümmern uns um die Zulassung. In unserer Werkstatt warten und reparieren "
         "wir Fahrzeuge aller Hersteller zu fairen Preisen.",
         ["Gebrauchtwagen", "Inzahlungnahme", "Finanzierung", "Werkstattservice"]),
        ("Praxis für Physiotherapie Lindner", "Physiotherapie Lindner – Ihre Praxis in Münster",
         "In unserer Praxis für Physiotherapie in Münster behandeln wir Patientinnen und Patienten "
         "aller Altersgruppen nach Verletzungen, Operationen oder bei chronischen Beschwerden. Unser "
         "Team aus sieben Therapeuten bietet Krankengymnastik, manuelle Therapie, Lymphdrainage und "
         "gerätegestütztes Training an. Wir nehmen uns Zeit für ein ausführliches Erstgespräch und "
         "stimmen die Behandlung eng mit Ihrer Ärztin oder Ihrem Arzt ab.",
         ["Krankengymnastik", "Manuelle Therapie", "Lymphdrainage", "Rückenschule"]),
    ],
    "fr": [
        ("Boulangerie du Marché", "Boulangerie du Marché – Pains et viennoiseries à Lyon",
         "La Boulangerie du Marché accueille les gourmands du quartier de la Croix-Rousse depuis "
         "plus de vingt ans. Chaque matin, nos boulangers préparent des baguettes de tradition, des "
         "pains au levain et des viennoiseries pur beurre avec des farines issues de moulins de la "
         "région. Nous travaillons avec des producteurs locaux pour nos fruits et nos œufs, et nous "
         "changeons nos pâtisseries au fil des saisons.",
         ["Baguette de tradition", "Pain au levain", "Croissants pur beurre", "Tartes de saison"]),
        ("Cabinet Moreau Avocats", "Cabinet Moreau – Avocats en droit du travail à Nantes",
         "Le cabinet Moreau conseille et défend les salariés comme les employeurs en droit du "
         "travail depuis 2005. Nos quatre avocats interviennent en cas de licenciement, de rupture "
         "conventionnelle, de harcèlement ou de litige sur le temps de travail. Nous vous recevons "
         "dans nos bureaux du centre de Nantes ou par visioconférence, et nous vous indiquons dès le "
         "premier rendez-vous le montant de nos honoraires.",
         ["Droit du travail", "Licenciement", "Rupture conventionnelle", "Conseil aux entreprises"]),
        ("Jardins de Provence", "Jardins de Provence – Paysagiste à Aix-en-Provence",
         "Jardins de Provence conçoit, crée et entretient des jardins méditerranéens autour "
         "d'Aix-en-Provence. Nous privilégions les plantes adaptées à la sécheresse, l'arrosage "
         "économe et les matériaux naturels comme la pierre sèche. Notre équipe de jardiniers "
         "s'occupe de la taille des oliviers, de la tonte et de l'entretien des haies toute "
         "l'année, pour des particuliers comme pour des copropriétés.",
         ["Création de jardins", "Entretien des espaces verts", "Taille des oliviers", "Arrosage automatique"]),
    ],
    "es": [
        ("Clínica Dental Sonrisa", "Clínica Dental Sonrisa – Dentistas en Valencia",
         "La Clínica Dental Sonrisa cuida de la salud bucal de las familias de Valencia desde 2003. "
         "Nuestro equipo de dentistas, higienistas y auxiliares ofrece revisiones, limpiezas, "
         "ortodoncia invisible, implantes y tratamientos para niños en un ambiente tranquilo y "
         "cercano. Antes de empezar cualquier tratamiento le explicamos las opciones, el plazo y el "
         "presupuesto por escrito, sin compromiso y sin sorpresas.",
         ["Odontología general", "Ortodoncia invisible", "Implantes dentales", "Odontopediatría"]),
        ("Bodegas Río Claro", "Bodegas Río Claro – Vinos de la Ribera del Duero",
         "Bodegas Río Claro es una bodega familiar situada en la Ribera del Duero. Cultivamos "
         "nuestras propias viñas de tempranillo en suelos de arcilla y caliza, vendimiamos a mano y "
         "criamos nuestros vinos en barricas de roble durante un mínimo de doce meses. Organizamos "
         "visitas guiadas con cata todos los fines de semana y enviamos nuestros vinos a toda España "
         "desde nuestra tienda.",
         ["Vino joven", "Crianza", "Reserva", "Visitas y catas"]),
        ("Reformas Martínez", "Reformas Martínez – Reformas integrales en Sevilla",
         "Reformas Martínez realiza reformas de cocinas, baños y viviendas completas en Sevilla y su "
         "provincia. Nos encargamos de todo el proyecto, desde el diseño y los permisos hasta la "
         "limpieza final, con un único responsable que le informa cada semana del avance de la obra. "
         "Trabajamos con fontaneros, electricistas y carpinteros de confianza y cumplimos los plazos "
         "que firmamos en el contrato.",
         ["Reforma de cocinas", "Reforma de baños", "Reformas integrales", "Pintura y carpintería"]),
    ],
    "it": [
        ("Trattoria da Giulia", "Trattoria da Giulia – Cucina tradizionale a Bologna",
         "La Trattoria da Giulia porta in tavola la cucina bolognese di tradizione dal 1987. Le "
         "nostre tagliatelle, i tortellini e le lasagne sono tirati a mano ogni mattina con uova di "
         "galline allevate all'aperto, e il ragù cuoce lentamente per ore come faceva la nonna. "
         "Offriamo un menù del giorno a pranzo, una carta dei vini dei colli bolognesi e una saletta "
         "riservata per feste e cene di lavoro.",
         ["Tortellini in brodo", "Tagliatelle al ragù", "Lasagne verdi", "Dolci della casa"]),
        ("Studio Ferri Architetti", "Studio Ferri – Architettura e ristrutturazioni a Torino",
         "Lo Studio Ferri progetta case, uffici e negozi a Torino e in Piemonte da oltre quindici "
         "anni. Seguiamo ogni progetto dall'idea iniziale alla direzione dei lavori, con particolare "
         "attenzione al risparmio energetico e al recupero di edifici storici. Lavoriamo a stretto "
         "contatto con imprese e artigiani del territorio e aggiorniamo i clienti in ogni fase del "
         "cantiere.",
         ["Progettazione", "Ristrutturazioni", "Direzione lavori", "Pratiche edilizie"]),
        ("Ottica Bellavista", "Ottica Bellavista – Occhiali e lenti a contatto a Firenze",
         "Ottica Bellavista è un negozio di ottica nel centro di Firenze. I nostri ottici "
         "optometristi eseguono il controllo della vista gratuito, vi aiutano a scegliere la "
         "montatura più adatta al vostro viso e preparano le lenti nel nostro laboratorio interno. "
         "Trattiamo marchi italiani e produttori artigianali, lenti progressive e lenti a contatto "
         "per ogni esigenza.",
         ["Controllo della vista", "Occhiali da vista", "Occhiali da sole", "Lenti a contatto"]),
    ],
    "pt": [
        ("Padaria Estrela", "Padaria Estrela – Pães e doces caseiros em Lisboa",
         "A Padaria Estrela serve o bairro de Campo de Ourique desde 1979. Todos os dias cozemos pão "
         "de trigo, broa de milho e bolos caseiros no nosso forno a lenha, com farinhas de moagens "
         "portuguesas. Os nossos pastéis de nata saem do forno a cada hora e o café é torrado por "
         "uma torrefação do Porto. Encomende os seus bolos de aniversário com dois dias de "
         "antecedência.",
         ["Pão de trigo", "Broa de milho", "Pastéis de nata", "Bolos de aniversário"]),
        ("Contabilidade Silva & Costa", "Silva & Costa – Contabilidade e consultoria no Porto",
         "A Silva & Costa presta serviços de contabilidade, fiscalidade e processamento salarial a "
         "pequenas e médias empresas do Porto. Tratamos das declarações de IVA, do IRC e do IRS, "
         "preparamos os relatórios de gestão e ajudamos na criação de empresas. Cada cliente tem um "
         "contabilista dedicado que responde às suas dúvidas por telefone ou e-mail no próprio dia.",
         ["Contabilidade", "Fiscalidade", "Processamento salarial", "Criação de empresas"]),
        ("Escola de Surf Onda Azul", "Onda Azul – Escola de surf na Ericeira",
         "A escola de surf Onda Azul ensina crianças e adultos a surfar nas praias da Ericeira. As "
         "nossas aulas são dadas por instrutores certificados, em grupos pequenos, com todo o "
         "material incluído. Organizamos também campos de férias para jovens e passeios de "
         "stand up paddle ao pôr do sol. Escolhemos a praia de cada dia de acordo com as ondas e "
         "o nível dos alunos.",
         ["Aulas de surf", "Campos de férias", "Stand up paddle", "Aluguer de material"]),
    ],
    "nl": [
        ("Fietsenmaker De Spaak", "Fietsenmaker De Spaak – Reparatie en verkoop in Utrecht",
         "Fietsenmaker De Spaak repareert al meer dan vijftien jaar fietsen in Utrecht. Of het nu "
         "gaat om een lekke band, versleten remmen of een elektrische fiets die niet meer wil laden: "
         "onze monteurs helpen u meestal nog dezelfde dag. In onze winkel verkopen we nieuwe en "
         "gebruikte stadsfietsen, bakfietsen en e-bikes, en u kunt bij ons een leenfiets krijgen "
         "zolang uw fiets in de werkplaats staat.",
         ["Reparatie en onderhoud", "Elektrische fietsen", "Bakfietsen", "Gebruikte fietsen"]),
        ("Tandartspraktijk Van Dijk", "Tandartspraktijk Van Dijk – Uw tandarts in Haarlem",
         "Tandartspraktijk Van Dijk is een kleine praktijk in het centrum van Haarlem. Wij bieden "
         "periodieke controles, mondhygiëne, vullingen, kronen en behandelingen voor angstige "
         "patiënten. We nemen de tijd om uit te leggen wat we zien en welke behandelingen mogelijk "
         "zijn, en u ontvangt altijd vooraf een begroting. Nieuwe patiënten zijn van harte welkom.",
         ["Controles", "Mondhygiëne", "Kronen en bruggen", "Angstbegeleiding"]),
        ("Hoveniersbedrijf Groen", "Hoveniersbedrijf Groen – Tuinaanleg en onderhoud",
         "Hoveniersbedrijf Groen ontwerpt, legt aan en onderhoudt tuinen in de regio Eindhoven. We "
         "denken graag mee over een tuin die past bij uw huis, uw wensen en het klimaat, met "
         "inheemse planten, waterdoorlatende bestrating en ruimte voor vogels en insecten. Ons "
         "onderhoudsteam komt op vaste momenten langs om te snoeien, te maaien en de borders bij te "
         "houden.",
         ["Tuinontwerp", "Tuinaanleg", "Tuinonderhoud", "Bestrating"]),
    ],
}

GENERIC = {
    "en": [
        "We are proud to be a local business. Most of our customers live within a few miles of us, "
        "and many of them have been with us for years. We sponsor the youth football club, take "
        "on an apprentice every year and buy from other local firms wherever we can.",
        "Our opening hours are Monday to Friday from eight in the morning until six in the evening, "
        "and Saturday from nine until one. Outside these hours you can leave a message or send us "
        "an e-mail and we will get back to you on the next working day.",
        "What our customers say matters to us. After every job we ask for honest feedback, and we "
        "read every review. If something is not right, tell us and we will put it right without "
        "arguing about it.",
        "Prices are clear and fair. We send a written quote before we start, and the price on the "
        "quote is the price you pay unless you ask us for more work. Payment by card, bank transfer "
        "or cash is welcome.",
    ],
    "de": [
        "Als regionales Unternehmen legen wir großen Wert auf persönliche Beratung. Viele unserer "
        "Kundinnen und Kunden begleiten wir seit Jahren, und wir bilden jedes Jahr junge Menschen "
        "in unserem Betrieb aus.",
        "Unsere Öffnungszeiten sind montags bis freitags von acht bis achtzehn Uhr und samstags von "
        "neun bis dreizehn Uhr. Außerhalb dieser Zeiten erreichen Sie uns per E-Mail, und wir melden "
        "uns am nächsten Werktag bei Ihnen zurück.",
        "Qualität und Zuverlässigkeit stehen bei uns an erster Stelle. Wir arbeiten mit Partnern aus "
        "der Region zusammen, halten vereinbarte Termine ein und hinterlassen jeden Arbeitsplatz so "
        "sauber, wie wir ihn vorgefunden haben.",
        "Vor jedem Auftrag erhalten Sie ein schriftliches Angebot mit transparenten Preisen. Die "
        "Bezahlung ist bar, per Überweisung oder mit Karte möglich. Sprechen Sie uns einfach an, "
        "wir freuen uns auf Ihren Besuch.",
    ],
    "fr": [
        "Entreprise locale et indépendante, nous sommes attachés à la relation de confiance avec nos "
        "clients. Beaucoup d'entre eux nous suivent depuis de nombreuses années, et nous formons "
        "chaque année un apprenti.",
        "Nous sommes ouverts du lundi au vendredi de huit heures à dix-huit heures, et le samedi "
        "matin de neuf heures à midi. En dehors de ces horaires, vous pouvez nous écrire et nous "
        "vous répondrons dès le jour ouvré suivant.",
        "La qualité de notre travail est notre meilleure publicité. Après chaque prestation, nous "
        "demandons l'avis de nos clients et nous lisons chaque commentaire avec attention pour nous "
        "améliorer.",
        "Nos tarifs sont clairs et nos devis gratuits. Le prix indiqué sur le devis est celui que "
        "vous payez, sans frais cachés. Nous acceptons les paiements par carte, par virement et par "
        "chèque.",
    ],
    "es": [
        "Somos una empresa local y familiar, y tratamos a cada cliente como nos gustaría que nos "
        "trataran a nosotros. Muchos de nuestros clientes confían en nosotros desde hace años y nos "
        "recomiendan a sus amigos y vecinos.",
        "Nuestro horario es de lunes a viernes de nueve de la mañana a dos de la tarde y de cinco a "
        "ocho de la tarde, y los sábados por la mañana. Fuera de este horario puede escribirnos y le "
        "responderemos al día siguiente.",
        "La calidad y la confianza son la base de nuestro trabajo. Utilizamos materiales de primera "
        "calidad, cumplimos los plazos acordados y ofrecemos garantía por escrito en todos nuestros "
        "servicios.",
        "Le enviamos un presupuesto detallado y sin compromiso antes de empezar. El precio que "
        "firmamos es el precio final. Aceptamos pago con tarjeta, transferencia bancaria y efectivo.",
    ],
    "it": [
        "Siamo un'azienda locale a conduzione familiare e crediamo nel rapporto diretto con i "
        "nostri clienti. Molti di loro ci scelgono da anni e ci consigliano ad amici e parenti, "
        "e questo per noi è il riconoscimento più importante.",
        "Siamo aperti dal lunedì al venerdì dalle nove alle tredici e dalle quindici alle diciannove, "
        "e il sabato mattina. Fuori da questi orari potete scriverci una e-mail e vi risponderemo "
        "il giorno lavorativo successivo.",
        "La qualità del nostro lavoro è la nostra migliore pubblicità. Utilizziamo materiali "
        "selezionati, rispettiamo i tempi concordati e siamo sempre disponibili per qualsiasi "
        "chiarimento anche dopo la consegna.",
        "Prima di iniziare riceverete un preventivo scritto e gratuito, senza costi nascosti. "
        "Accettiamo pagamenti con carta, bonifico bancario e contanti.",
    ],
    "pt": [
        "Somos uma empresa local e familiar e acreditamos numa relação de confiança com os nossos "
        "clientes. Muitos deles acompanham-nos há vários anos e recomendam-nos aos amigos e à "
        "família, o que muito nos orgulha.",
        "O nosso horário é de segunda a sexta-feira das nove às dezanove horas e ao sábado de manhã. "
        "Fora deste horário pode enviar-nos uma mensagem e responderemos no dia útil seguinte.",
        "A qualidade do nosso trabalho é a nossa melhor publicidade. Utilizamos materiais de "
        "confiança, cumprimos os prazos combinados e estamos sempre disponíveis para esclarecer "
        "qualquer dúvida.",
        "Antes de começar enviamos um orçamento escrito e gratuito, sem custos escondidos. Aceitamos "
        "pagamentos por cartão, transferência bancária e numerário.",
    ],
    "nl": [
        "Wij zijn een lokaal familiebedrijf en vinden persoonlijk contact met onze klanten "
        "belangrijk. Veel klanten komen al jaren bij ons terug en bevelen ons aan bij vrienden en "
        "buren, en daar zijn we trots op.",
        "Wij zijn geopend van maandag tot en met vrijdag van half negen tot zes uur en op zaterdag "
        "van negen tot vijf uur. Buiten deze tijden kunt u ons een bericht sturen en reageren wij "
        "de volgende werkdag.",
        "Kwaliteit en betrouwbaarheid staan bij ons voorop. We werken met vaste partners uit de "
        "regio, komen afspraken na en laten elke werkplek netjes achter.",
        "U ontvangt vooraf altijd een duidelijke offerte zonder verborgen kosten. Betalen kan met "
        "pin, via een bankoverschrijving of contant.",
    ],
}

NAV = {
    "en": [("/", "Home"), ("/services", "Services"), ("/about", "About us"), ("/gallery", "Gallery"), ("/news", "News"), ("/faq", "FAQ"), ("/contact", "Contact")],
    "de": [("/", "Startseite"), ("/leistungen", "Leistungen"), ("/ueber-uns", "Über uns"), ("/referenzen", "Referenzen"), ("/aktuelles", "Aktuelles"), ("/kontakt", "Kontakt"), ("/impressum", "Impressum")],
    "fr": [("/", "Accueil"), ("/services", "Nos services"), ("/a-propos", "À propos"), ("/realisations", "Réalisations"), ("/actualites", "Actualités"), ("/contact", "Contact"), ("/mentions-legales", "Mentions légales")],
    "es": [("/", "Inicio"), ("/servicios", "Servicios"), ("/quienes-somos", "Quiénes somos"), ("/galeria", "Galería"), ("/blog", "Blog"), ("/contacto", "Contacto"), ("/aviso-legal", "Aviso legal")],
    "it": [("/", "Home"), ("/servizi", "Servizi"), ("/chi-siamo", "Chi siamo"), ("/galleria", "Galleria"), ("/news", "Notizie"), ("/contatti", "Contatti"), ("/privacy", "Privacy")],
    "pt": [("/", "Início"), ("/servicos", "Serviços"), ("/sobre", "Sobre nós"), ("/galeria", "Galeria"), ("/noticias", "Notícias"), ("/contato", "Contato"), ("/privacidade", "Privacidade")],
    "nl": [("/", "Home"), ("/diensten", "Diensten"), ("/over-ons", "Over ons"), ("/projecten", "Projecten"), ("/nieuws", "Nieuws"), ("/contact", "Contact"), ("/privacy", "Privacy")],
}
