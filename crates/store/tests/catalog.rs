//! The catalog suite (personas, proxies, keyword sets): every test runs on SQLite, and on
//! PostgreSQL when `TEST_DATABASE_URL` (or `DATABASE_URL`) is set.

mod common;

use std::collections::BTreeMap;

use dragnet_domain::catalog::{
    DnsPersonaInput, HttpPersonaInput, KeywordSet, KeywordSetInput, Persona, PersonaKind, Proxy,
    ProxyInput, ProxyProtocol,
};
use dragnet_domain::config::StoredId;
use dragnet_domain::config::http::KeywordKind;
use dragnet_domain::{Action, Phase, PhaseStatus};
use dragnet_store::*;
use serde_json::json;

fn dns_persona(name: &str, resolver: &str) -> Persona {
    let input: DnsPersonaInput = serde_json::from_value(json!({
        "name": name,
        "settings": {"resolvers": [resolver], "timeoutMs": 500}
    }))
    .expect("persona input");
    Persona::Dns(input.try_into().expect("valid persona"))
}

fn http_persona(name: &str, user_agent: &str) -> Persona {
    let input: HttpPersonaInput = serde_json::from_value(json!({
        "name": name,
        "settings": {"userAgent": user_agent, "headers": {"Accept-Language": "en"}}
    }))
    .expect("persona input");
    Persona::Http(input.try_into().expect("valid persona"))
}

fn proxy(name: &str, password: Option<&str>) -> Proxy {
    let mut value = json!({
        "name": name, "protocol": "socks5", "host": "proxy.example", "port": 1080
    });
    if let Some(password) = password {
        value["username"] = json!("alice");
        value["password"] = json!(password);
    }
    let input: ProxyInput = serde_json::from_value(value).expect("proxy input");
    input.try_into().expect("valid proxy")
}

fn keyword_set(name: &str, patterns: &[&str]) -> KeywordSet {
    let rules: Vec<_> = patterns
        .iter()
        .map(|p| json!({"pattern": p, "category": "brand"}))
        .collect();
    let input: KeywordSetInput = serde_json::from_value(json!({
        "name": name, "description": "test set", "rules": rules
    }))
    .expect("keyword set input");
    input.try_into().expect("valid keyword set")
}

fn id(text: &str) -> StoredId {
    StoredId::parse(text).expect("id")
}

/// A campaign beginning at `dns_validation` whose DNS and HTTP configurations name the given
/// objects.
fn campaign_naming(
    store: &Store,
    dns_persona: &StoredId,
    keyword_set: &StoredId,
    proxy: &StoredId,
) -> Campaign {
    let mut configurations = BTreeMap::new();
    configurations.insert(
        Phase::DnsValidation,
        json!({"personaId": dns_persona.as_str(), "recordTypes": ["A"]}),
    );
    configurations.insert(
        Phase::HttpKeywordValidation,
        json!({
            "keywordRules": [{"pattern": "unrelated"}],
            "keywordSetIds": [keyword_set.as_str()],
            "proxyIds": [proxy.as_str()]
        }),
    );
    store
        .create_campaign(&NewCampaign {
            name: "uses the catalog".to_owned(),
            initial_phase: Phase::DnsValidation,
            launch_sequence: false,
            configurations,
        })
        .expect("create campaign")
}

both!(personas_create_get_list_update_delete, |_db, store| {
    let dns = store
        .create_persona(&dns_persona("EU resolvers", "192.0.2.53"))
        .expect("create dns persona");
    assert!(dns.id.as_str().starts_with("per_"), "{}", dns.id);
    assert_eq!(dns.version, 0);
    assert_eq!(dns.persona.kind(), PersonaKind::Dns);
    assert_eq!(dns.persona.name(), "EU resolvers");
    assert_eq!(dns.created_at, dns.updated_at);
    let http = store
        .create_persona(&http_persona("Chrome", "Chrome/1"))
        .expect("create http persona");
    assert_ne!(dns.id, http.id);
    assert_eq!(store.read_persona(&dns.id).expect("get"), dns);
    match &store.read_persona(&http.id).expect("get").persona {
        Persona::Http(p) => {
            assert_eq!(p.settings().user_agent(), "Chrome/1");
            assert_eq!(
                p.settings()
                    .headers()
                    .get("accept-language")
                    .map(String::as_str),
                Some("en")
            );
        }
        other => panic!("expected an HTTP persona, got {other:?}"),
    }

    // What the engine reads: the settings of a persona of the right kind, or nothing.
    let dns_settings = store.get_dns_persona(&dns.id).expect("dns settings");
    assert_eq!(
        dns_settings.map(|s| s.timeout_ms()),
        Some(500),
        "the DNS persona's settings"
    );
    assert_eq!(store.get_http_persona(&dns.id).expect("wrong kind"), None);
    assert_eq!(
        store
            .get_http_persona(&http.id)
            .expect("http settings")
            .map(|s| s.user_agent().to_owned()),
        Some("Chrome/1".to_owned())
    );
    assert_eq!(store.get_dns_persona(&http.id).expect("wrong kind"), None);
    assert_eq!(store.get_dns_persona(&id("per_none")).expect("none"), None);

    // Lists: newest first, filtered by kind.
    let all = store.list_personas(None, None, 50).expect("list");
    assert_eq!(all.items.len(), 2);
    assert_eq!(all.next, None);
    let only_dns = store
        .list_personas(Some(PersonaKind::Dns), None, 50)
        .expect("list dns");
    assert_eq!(only_dns.items, vec![dns.clone()]);
    let only_http = store
        .list_personas(Some(PersonaKind::Http), None, 50)
        .expect("list http");
    assert_eq!(only_http.items.len(), 1);
    assert_eq!(only_http.items[0].id, http.id);

    // Full replace bumps the version; a stale expected version is a conflict.
    let updated = store
        .update_persona(&dns.id, &dns_persona("EU v2", "192.0.2.54:5353"), Some(0))
        .expect("update");
    assert_eq!(updated.version, 1);
    assert_eq!(updated.persona.name(), "EU v2");
    assert_eq!(updated.created_at, dns.created_at);
    match &updated.persona {
        Persona::Dns(p) => assert_eq!(
            p.settings().resolvers()[0].address().to_string(),
            "192.0.2.54:5353"
        ),
        other => panic!("expected a DNS persona, got {other:?}"),
    }
    let err = store
        .update_persona(&dns.id, &dns_persona("stale", "192.0.2.1"), Some(0))
        .expect_err("stale version");
    assert!(
        matches!(
            err,
            StoreError::CatalogConflict {
                expected: 0,
                actual: 1,
                kind: CatalogKind::Persona,
                ..
            }
        ),
        "{err:?}"
    );
    let unconditional = store
        .update_persona(&dns.id, &dns_persona("EU v3", "192.0.2.1"), None)
        .expect("update without a version");
    assert_eq!(unconditional.version, 2);
    // The kind never changes.
    let err = store
        .update_persona(&dns.id, &http_persona("x", "X/1"), None)
        .expect_err("kind change");
    assert!(
        matches!(
            err,
            StoreError::KindChange {
                stored: PersonaKind::Dns,
                requested: PersonaKind::Http,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("cannot become a http"), "{err}");

    // Not found everywhere.
    let missing = id("per_missing");
    for err in [
        store.read_persona(&missing).expect_err("get"),
        store
            .update_persona(&missing, &dns_persona("x", "192.0.2.1"), None)
            .expect_err("update"),
        store.delete_persona(&missing).expect_err("delete"),
    ] {
        assert!(
            matches!(
                err,
                StoreError::CatalogNotFound {
                    kind: CatalogKind::Persona,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "persona `per_missing` not found");
    }

    store.delete_persona(&dns.id).expect("delete");
    assert!(matches!(
        store.read_persona(&dns.id),
        Err(StoreError::CatalogNotFound { .. })
    ));
    assert_eq!(
        store
            .list_personas(None, None, 50)
            .expect("list")
            .items
            .len(),
        1
    );
});

both!(catalog_lists_are_keyset_pages, |_db, store| {
    let mut created = Vec::new();
    for i in 0..7 {
        created.push(
            store
                .create_keyword_set(&keyword_set(&format!("set {i}"), &["a"]))
                .expect("create")
                .id,
        );
    }
    let mut seen = Vec::new();
    let mut cursor: Option<CatalogCursor> = None;
    let mut pages = 0;
    loop {
        let page = store.list_keyword_sets(cursor.as_ref(), 3).expect("page");
        pages += 1;
        assert!(page.items.len() <= 3);
        seen.extend(page.items.iter().map(|s| s.id.clone()));
        // The cursor survives its text form, as the API hands it out.
        cursor = page
            .next
            .map(|c| CatalogCursor::parse(&c.to_string()).expect("cursor"));
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(pages, 3);
    // Newest first: the reverse of creation (ties on the millisecond broken by id, so only
    // the set of ids is compared when two share a millisecond).
    let mut expected = created.clone();
    expected.sort();
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(sorted, expected);
    let times: Vec<_> = seen
        .iter()
        .map(|id| store.read_keyword_set(id).expect("get").created_at)
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");

    // Proxies and personas page the same way.
    for i in 0..4 {
        store
            .create_proxy(&proxy(&format!("p{i}"), None))
            .expect("proxy");
        store
            .create_persona(&dns_persona(&format!("d{i}"), "192.0.2.1"))
            .expect("persona");
    }
    let first = store.list_proxies(None, 3).expect("proxies");
    assert_eq!(first.items.len(), 3);
    let rest = store
        .list_proxies(first.next.as_ref(), 3)
        .expect("proxies page 2");
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.next, None);
    let first = store
        .list_personas(Some(PersonaKind::Dns), None, 2)
        .expect("personas");
    let second = store
        .list_personas(Some(PersonaKind::Dns), first.next.as_ref(), 2)
        .expect("personas page 2");
    assert_eq!(first.items.len() + second.items.len(), 4);
    assert_eq!(second.next, None);
    assert_eq!(
        store
            .list_personas(Some(PersonaKind::Http), None, 2)
            .expect("none")
            .items,
        vec![]
    );
});

both!(proxies_keep_their_password, |_db, store| {
    let created = store
        .create_proxy(&proxy("office", Some("hunter2-secret")))
        .expect("create");
    assert!(created.id.as_str().starts_with("prx_"));
    assert_eq!(created.proxy.username(), Some("alice"));
    assert_eq!(created.proxy.password(), Some("hunter2-secret"));
    assert_eq!(created.proxy.protocol(), ProxyProtocol::Socks5);
    let got = store.read_proxy(&created.id).expect("get");
    assert_eq!(got, created);
    assert!(!format!("{got:?}").contains("hunter2"), "{got:?}");
    let listed = store.list_proxies(None, 10).expect("list");
    assert_eq!(listed.items, vec![created.clone()]);

    let https: Proxy = serde_json::from_value::<ProxyInput>(json!({
        "name": "tls", "protocol": "https", "host": "2001:db8::8", "port": 3128,
        "acceptInvalidCertificates": true, "enabled": false
    }))
    .expect("input")
    .try_into()
    .expect("valid");
    let updated = store
        .update_proxy(&created.id, &https, Some(0))
        .expect("update");
    assert_eq!(updated.version, 1);
    assert_eq!(updated.proxy, https);
    assert_eq!(updated.proxy.password(), None);
    assert!(!updated.proxy.enabled());
    assert!(updated.proxy.accept_invalid_certificates());
    assert!(matches!(
        store.update_proxy(&created.id, &https, Some(0)),
        Err(StoreError::CatalogConflict { .. })
    ));

    let second = store.create_proxy(&proxy("second", None)).expect("create");
    let got = store
        .get_proxies(&[second.id.clone(), id("prx_missing"), created.id.clone()])
        .expect("get proxies");
    let ids: Vec<_> = got.iter().map(|p| p.id.clone()).collect();
    assert_eq!(ids, [second.id.clone(), created.id.clone()]);

    store.delete_proxy(&created.id).expect("delete");
    assert!(matches!(
        store.delete_proxy(&created.id),
        Err(StoreError::CatalogNotFound {
            kind: CatalogKind::Proxy,
            ..
        })
    ));
});

both!(keyword_sets_round_trip, |_db, store| {
    let set = keyword_set("Brands", &["acme", "globex"]);
    let created = store.create_keyword_set(&set).expect("create");
    assert!(created.id.as_str().starts_with("kws_"));
    assert_eq!(created.name, "Brands");
    assert_eq!(created.description.as_deref(), Some("test set"));
    assert_eq!(created.rules.len(), 2);
    // Stored in canonical form: every field written down.
    assert_eq!(created.rules[0].kind, Some(KeywordKind::Literal));
    assert_eq!(created.rules[0].case_sensitive, Some(false));
    assert_eq!(created.rules[0].category.as_deref(), Some("brand"));
    assert_eq!(created.validate().expect("still valid"), set);
    assert_eq!(store.read_keyword_set(&created.id).expect("get"), created);

    let replacement = keyword_set("Brands v2", &["initech"]);
    let updated = store
        .update_keyword_set(&created.id, &replacement, None)
        .expect("update");
    assert_eq!(updated.version, 1);
    assert_eq!(updated.rules.len(), 1);
    assert_eq!(updated.rules[0].pattern, "initech");
    // What the engine reads: the validated set, or nothing.
    assert_eq!(
        store.get_keyword_set(&created.id).expect("get"),
        Some(replacement)
    );
    assert_eq!(store.get_keyword_set(&id("kws_nope")).expect("get"), None);
    store.delete_keyword_set(&created.id).expect("delete");
    assert_eq!(store.get_keyword_set(&created.id).expect("get"), None);
});

both!(lookup_reports_which_ids_exist, |_db, store| {
    let dns = store
        .create_persona(&dns_persona("d", "192.0.2.1"))
        .expect("dns");
    let http = store
        .create_persona(&http_persona("h", "H/1"))
        .expect("http");
    let set = store
        .create_keyword_set(&keyword_set("k", &["x"]))
        .expect("set");
    let prx = store.create_proxy(&proxy("p", None)).expect("proxy");
    let lookup = store
        .lookup_catalog(
            &[dns.id.clone(), http.id.clone(), id("per_gone")],
            &[set.id.clone(), id("kws_gone")],
            &[id("prx_gone"), prx.id.clone()],
        )
        .expect("lookup");
    assert_eq!(lookup.personas.get(&dns.id), Some(&PersonaKind::Dns));
    assert_eq!(lookup.personas.get(&http.id), Some(&PersonaKind::Http));
    assert_eq!(lookup.personas.len(), 2);
    assert_eq!(lookup.keyword_sets.iter().collect::<Vec<_>>(), [&set.id]);
    assert_eq!(lookup.proxies.iter().collect::<Vec<_>>(), [&prx.id]);
    assert_eq!(
        store.lookup_catalog(&[], &[], &[]).expect("empty"),
        CatalogLookup::default()
    );
});

both!(
    objects_in_use_by_unfinished_phases_cannot_be_deleted,
    |_db, store| {
        let persona = store
            .create_persona(&dns_persona("d", "192.0.2.1"))
            .expect("persona");
        let set = store
            .create_keyword_set(&keyword_set("k", &["x"]))
            .expect("set");
        let prx = store.create_proxy(&proxy("p", None)).expect("proxy");
        let campaign = campaign_naming(&store, &persona.id, &set.id, &prx.id);

        let err = store.delete_persona(&persona.id).expect_err("in use");
        match &err {
            StoreError::InUse { kind, uses, .. } => {
                assert_eq!(*kind, CatalogKind::Persona);
                assert_eq!(
                    uses,
                    &vec![CatalogUse {
                        campaign_id: campaign.id,
                        campaign_name: "uses the catalog".to_owned(),
                        phase: Phase::DnsValidation,
                        status: PhaseStatus::Pending,
                    }]
                );
            }
            other => panic!("expected InUse, got {other:?}"),
        }
        assert!(
            err.to_string().contains("dns_validation is pending"),
            "{err}"
        );
        for result in [
            store.delete_keyword_set(&set.id),
            store.delete_proxy(&prx.id),
        ] {
            match result {
                Err(StoreError::InUse { uses, .. }) => {
                    assert_eq!(uses.len(), 1);
                    assert_eq!(uses[0].phase, Phase::HttpKeywordValidation);
                }
                other => panic!("expected InUse, got {other:?}"),
            }
        }
        assert_eq!(
            store
                .catalog_uses(CatalogKind::Proxy, &prx.id)
                .expect("uses")
                .len(),
            1
        );
        // An id that merely appears as text elsewhere (a keyword pattern) is not a use.
        let other = store.create_proxy(&proxy("other", None)).expect("proxy");
        let mut configurations = BTreeMap::new();
        configurations.insert(
            Phase::HttpKeywordValidation,
            json!({"keywordRules": [{"pattern": other.id.as_str()}]}),
        );
        store
            .create_campaign(&NewCampaign {
                name: "mentions".to_owned(),
                initial_phase: Phase::DnsValidation,
                launch_sequence: false,
                configurations,
            })
            .expect("campaign");
        store.delete_proxy(&other.id).expect("only mentioned");

        // Running, then completed: the DNS phase no longer needs its persona.
        store
            .apply_action(campaign.id, &Change::new(Action::Start))
            .expect("start");
        assert!(matches!(
            store.delete_persona(&persona.id),
            Err(StoreError::InUse { .. })
        ));
        store
            .apply_action(campaign.id, &Change::new(Action::Complete))
            .expect("complete");
        store.delete_persona(&persona.id).expect("phase completed");
        // The HTTP phase is still pending: its keyword set and proxy stay.
        assert!(matches!(
            store.delete_keyword_set(&set.id),
            Err(StoreError::InUse { .. })
        ));
        // Removing the configuration releases them.
        store
            .set_phase_configuration(campaign.id, Phase::HttpKeywordValidation, None, None)
            .expect("unconfigure");
        store.delete_keyword_set(&set.id).expect("released");

        // A deleted campaign names nothing.
        let persona2 = store
            .create_persona(&dns_persona("d2", "192.0.2.1"))
            .expect("persona");
        let set2 = store
            .create_keyword_set(&keyword_set("k2", &["x"]))
            .expect("set");
        let doomed = campaign_naming(&store, &persona2.id, &set2.id, &prx.id);
        assert!(store.delete_proxy(&prx.id).is_err());
        store.delete_campaign(doomed.id).expect("delete campaign");
        store.delete_persona(&persona2.id).expect("campaign gone");
        store.delete_proxy(&prx.id).expect("campaign gone");
    }
);

both!(hand_edited_rows_are_reported_as_corrupt, |db, store| {
    let persona = store
        .create_persona(&dns_persona("d", "192.0.2.1"))
        .expect("persona");
    db.execute(&format!(
        "UPDATE personas SET settings = '{{\"resolvers\": []}}' WHERE id = '{}'",
        persona.id
    ));
    match store.read_persona(&persona.id) {
        Err(StoreError::Corrupt(message)) => {
            assert!(message.contains(persona.id.as_str()), "{message}");
        }
        other => panic!("expected a corrupt row, got {other:?}"),
    }
    assert!(matches!(
        store.get_dns_persona(&persona.id),
        Err(StoreError::Corrupt(_))
    ));
    let set = store
        .create_keyword_set(&keyword_set("k", &["x"]))
        .expect("set");
    db.execute(&format!(
        "UPDATE keyword_sets SET rules = '[{{\"pattern\": \"(\", \"kind\": \"regex\"}}]' WHERE id = '{}'",
        set.id
    ));
    assert!(matches!(
        store.get_keyword_set(&set.id),
        Err(StoreError::Corrupt(_))
    ));
    let prx = store.create_proxy(&proxy("p", None)).expect("proxy");
    db.execute(&format!(
        "UPDATE proxies SET host = 'not a host' WHERE id = '{}'",
        prx.id
    ));
    assert!(matches!(
        store.list_proxies(None, 10),
        Err(StoreError::Corrupt(_))
    ));
});
