//! Diesel's view of the tables created by `migrations/{sqlite,postgres}`. Both backends share
//! it: the two migrations create the same tables and columns (a test checks that).

diesel::table! {
    campaigns (id) {
        id -> BigInt,
        name -> Text,
        current_phase -> SmallInt,
        launch_sequence -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
        version -> BigInt,
        deleted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    campaign_phases (campaign_id, phase) {
        campaign_id -> BigInt,
        phase -> SmallInt,
        status -> SmallInt,
        configuration -> Nullable<Text>,
        total_items -> BigInt,
        processed_items -> BigInt,
        succeeded_items -> BigInt,
        failed_items -> BigInt,
        checkpoint -> Nullable<BigInt>,
        started_at -> Nullable<BigInt>,
        completed_at -> Nullable<BigInt>,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    domains (campaign_id, ordinal) {
        campaign_id -> BigInt,
        ordinal -> BigInt,
        name -> Text,
    }
}

diesel::table! {
    dns_results (campaign_id, ordinal) {
        campaign_id -> BigInt,
        ordinal -> BigInt,
        status -> SmallInt,
        error_kind -> Nullable<Text>,
        addresses -> Text,
        attempts -> Integer,
        checked_at -> BigInt,
        records -> Text,
    }
}

diesel::table! {
    http_results (campaign_id, ordinal) {
        campaign_id -> BigInt,
        ordinal -> BigInt,
        status -> SmallInt,
        error_detail -> Nullable<Text>,
        status_code -> Nullable<Integer>,
        final_url -> Nullable<Text>,
        redirect_count -> Integer,
        title -> Nullable<Text>,
        content_type -> Nullable<Text>,
        content_length -> Nullable<BigInt>,
        content_hash -> Nullable<Text>,
        keyword_hits -> Text,
        snapshot -> Nullable<Binary>,
        fetched_at -> BigInt,
    }
}

diesel::table! {
    pattern_marks (pattern_key) {
        pattern_key -> Text,
        next_ordinal -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    chunk_leases (campaign_id, phase, chunk_start) {
        campaign_id -> BigInt,
        phase -> SmallInt,
        chunk_start -> BigInt,
        chunk_end -> BigInt,
        owner -> Nullable<Text>,
        expires_at -> Nullable<BigInt>,
        done -> Bool,
    }
}

diesel::table! {
    personas (id) {
        id -> Text,
        kind -> SmallInt,
        name -> Text,
        settings -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
        version -> BigInt,
    }
}

diesel::table! {
    proxies (id) {
        id -> Text,
        name -> Text,
        protocol -> SmallInt,
        host -> Text,
        port -> Integer,
        username -> Nullable<Text>,
        password -> Nullable<Text>,
        accept_invalid_certificates -> Bool,
        enabled -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
        version -> BigInt,
    }
}

diesel::table! {
    keyword_sets (id) {
        id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        rules -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
        version -> BigInt,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        name -> Text,
        role -> SmallInt,
        secret_sha256 -> Text,
        created_by -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> BigInt,
        token_id -> Nullable<Text>,
        source -> Text,
        action -> Text,
        target -> Text,
        status -> Integer,
        result -> Text,
        remote_addr -> Nullable<Text>,
    }
}
diesel::table! {
    content_results (campaign_id, ordinal) {
        campaign_id -> BigInt,
        ordinal -> BigInt,
        classification -> SmallInt,
        confidence -> Double,
        evidence -> Text,
        language -> Text,
        language_confidence -> Double,
        language_source -> Text,
        technologies -> Text,
        signals -> Text,
        scoring_version -> Integer,
        error -> Nullable<Text>,
        analysed_at -> BigInt,
    }
}

diesel::table! {
    content_scores (campaign_id, ordinal) {
        campaign_id -> BigInt,
        ordinal -> BigInt,
        score -> Double,
        keyword_density -> Double,
        keyword_coverage -> Double,
        title_hit -> Double,
        content_length -> Double,
        not_parked -> Double,
        weights_revision -> BigInt,
    }
}

diesel::table! {
    content_rescores (campaign_id) {
        campaign_id -> BigInt,
        revision -> BigInt,
        state -> SmallInt,
        keyword_density -> Double,
        keyword_coverage -> Double,
        title_hit -> Double,
        content_length -> Double,
        not_parked -> Double,
        scoring_version -> Integer,
        total_items -> BigInt,
        processed_items -> BigInt,
        next_ordinal -> BigInt,
        end_ordinal -> BigInt,
        started_at -> BigInt,
        rescored_at -> Nullable<BigInt>,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    content_summary (campaign_id, dimension, value) {
        campaign_id -> BigInt,
        dimension -> SmallInt,
        value -> Text,
        items -> BigInt,
    }
}

diesel::table! {
    content_technologies (campaign_id, name, ordinal) {
        campaign_id -> BigInt,
        ordinal -> BigInt,
        name -> Text,
    }
}

diesel::joinable!(campaign_phases -> campaigns (campaign_id));
diesel::joinable!(domains -> campaigns (campaign_id));
diesel::joinable!(chunk_leases -> campaigns (campaign_id));

diesel::table! {
    leads (campaign_id, ordinal) {
        campaign_id -> BigInt,
        ordinal -> BigInt,
        status -> SmallInt,
        reason -> Nullable<SmallInt>,
        organisation -> Nullable<Text>,
        organisation_source -> Nullable<Text>,
        postal_address -> Nullable<Text>,
        contact_pages -> Text,
        score -> Nullable<Double>,
        emails -> Integer,
        phones -> Integer,
        socials -> Integer,
        extracted_at -> BigInt,
    }
}

diesel::table! {
    contacts (id) {
        id -> BigInt,
        campaign_id -> BigInt,
        kind -> SmallInt,
        normalized -> Text,
    }
}

diesel::table! {
    lead_contacts (campaign_id, ordinal, contact_id) {
        campaign_id -> BigInt,
        ordinal -> BigInt,
        contact_id -> BigInt,
        position -> Integer,
        value -> Text,
        role -> Bool,
        network -> Nullable<Text>,
        source_url -> Text,
        location -> Text,
    }
}

diesel::table! {
    lead_counts (campaign_id, outcome) {
        campaign_id -> BigInt,
        outcome -> SmallInt,
        count -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    campaigns,
    campaign_phases,
    domains,
    dns_results,
    http_results,
    content_results,
    content_scores,
    content_rescores,
    content_summary,
    content_technologies,
    leads,
    contacts,
    lead_contacts,
    lead_counts,
    pattern_marks,
    chunk_leases,
    personas,
    proxies,
    keyword_sets,
    api_tokens,
    audit_log,
);
