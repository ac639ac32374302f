//! Table definitions shared by both backends (written by hand: `diesel print-schema` would
//! differ per backend, the columns here use types both map the same way).

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Text,
        name -> Text,
        mobile -> Text,
        is_employee -> Bool,
        role -> Text,
        language -> Text,
        notify_email -> Bool,
        notify_sms -> Bool,
        preferred_payment -> Nullable<Text>,
        swish_number -> Nullable<Text>,
        confirmed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        check_only -> Bool,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        second_factor -> Bool,
    }
}

diesel::table! {
    permit_types (id) {
        id -> BigInt,
        code -> Text,
        name_sv -> Text,
        name_en -> Text,
        kind -> Text,
        audience -> Text,
        needs_approval -> Bool,
        day_price_ore -> Nullable<BigInt>,
        day_validity_months -> Nullable<Integer>,
        max_days -> Nullable<Integer>,
        vat_basis_points -> Integer,
        active -> Bool,
        sort_order -> Integer,
        max_pauses -> Integer,
    }
}

diesel::table! {
    packages (id) {
        id -> BigInt,
        permit_type_id -> BigInt,
        name_sv -> Text,
        name_en -> Text,
        months -> Integer,
        price_ore -> BigInt,
        vat_basis_points -> Integer,
        active -> Bool,
        sort_order -> Integer,
    }
}

diesel::table! {
    car_parks (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        site -> Text,
        active -> Bool,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(packages -> permit_types (permit_type_id));

diesel::table! {
    account_tokens (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        purpose -> Text,
        new_email -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        reg_password_hash -> Nullable<Text>,
        reg_name -> Nullable<Text>,
        reg_mobile -> Nullable<Text>,
        reg_language -> Nullable<Text>,
    }
}

diesel::table! {
    email_undo_tokens (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        old_email -> Text,
        new_email -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> BigInt,
        email -> Text,
        ip -> Text,
        success -> Bool,
        at -> Timestamp,
    }
}

diesel::table! {
    rate_limits (limit_key, window_start) {
        limit_key -> Text,
        window_start -> BigInt,
        hits -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        user_id -> Nullable<BigInt>,
        kind -> Text,
        channel -> Text,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        transport -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(account_tokens -> users (user_id));
diesel::joinable!(notifications -> users (user_id));

diesel::table! {
    permits (id) {
        id -> BigInt,
        user_id -> BigInt,
        permit_type_id -> BigInt,
        package_id -> Nullable<BigInt>,
        car_park_id -> BigInt,
        kind -> Text,
        type_name_sv -> Text,
        type_name_en -> Text,
        package_name_sv -> Nullable<Text>,
        package_name_en -> Nullable<Text>,
        months -> Nullable<Integer>,
        days_bought -> Nullable<Integer>,
        price_ore -> BigInt,
        vat_basis_points -> Integer,
        regnr -> Text,
        foreign_plate -> Bool,
        start_date -> Date,
        end_date -> Date,
        state -> Text,
        reject_reason -> Nullable<Text>,
        confirm_key -> Text,
        renews_permit_id -> Nullable<BigInt>,
        version -> Integer,
        reminder_sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        days_used -> Integer,
        hold_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    capacities (car_park_id, permit_type_id) {
        car_park_id -> BigInt,
        permit_type_id -> BigInt,
        places -> Nullable<Integer>,
        turn -> BigInt,
        locked_until -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    queue_entries (id) {
        id -> BigInt,
        user_id -> BigInt,
        car_park_id -> BigInt,
        permit_type_id -> BigInt,
        joined_at -> Timestamp,
        sort_key -> BigInt,
        status -> Text,
        ended_at -> Nullable<Timestamp>,
        end_reason -> Nullable<Text>,
        regnr -> Nullable<Text>,
    }
}

diesel::table! {
    queue_offers (id) {
        id -> BigInt,
        entry_id -> BigInt,
        user_id -> BigInt,
        car_park_id -> BigInt,
        permit_type_id -> BigInt,
        made_at -> Timestamp,
        expires_at -> Timestamp,
        status -> Text,
        decided_at -> Nullable<Timestamp>,
        permit_id -> Nullable<BigInt>,
        reminder_sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refunds (id) {
        id -> BigInt,
        payment_id -> BigInt,
        permit_id -> BigInt,
        amount_ore -> BigInt,
        status -> Text,
        instruction_id -> Text,
        provider_ref -> Nullable<Text>,
        error -> Nullable<Text>,
        requested_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sending_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    cases (id) {
        id -> BigInt,
        user_id -> BigInt,
        permit_id -> Nullable<BigInt>,
        subject -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    case_messages (id) {
        id -> BigInt,
        case_id -> BigInt,
        author_id -> Nullable<BigInt>,
        from_operator -> Bool,
        body -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    day_sessions (id) {
        id -> BigInt,
        permit_id -> BigInt,
        day -> Date,
        regnr -> Text,
        foreign_plate -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    oncall_types (id) {
        id -> BigInt,
        name_sv -> Text,
        name_en -> Text,
        price_ore -> BigInt,
        pass_hours -> Integer,
        passes_per_month -> Integer,
        active -> Bool,
    }
}

diesel::table! {
    oncall_passes (id) {
        id -> BigInt,
        user_id -> BigInt,
        oncall_type_id -> BigInt,
        car_park_id -> BigInt,
        regnr -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    permit_pauses (id) {
        id -> BigInt,
        permit_id -> BigInt,
        from_date -> Date,
        to_date -> Date,
        created_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        reminder_sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    temporary_regnrs (id) {
        id -> BigInt,
        permit_id -> BigInt,
        regnr -> Text,
        foreign_plate -> Bool,
        from_date -> Date,
        to_date -> Date,
        ended_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    permit_events (id) {
        id -> BigInt,
        permit_id -> BigInt,
        at -> Timestamp,
        by_user_id -> Nullable<BigInt>,
        kind -> Text,
        detail -> Text,
    }
}

diesel::table! {
    applications (permit_id) {
        permit_id -> BigInt,
        organisation -> Text,
        role -> Text,
        reason -> Text,
        attachment_name -> Nullable<Text>,
        attachment -> Nullable<Binary>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sim_swish_requests (id) {
        id -> Text,
        payee_payment_reference -> Nullable<Text>,
        payment_reference -> Text,
        callback_url -> Text,
        payer_alias -> Text,
        payee_alias -> Text,
        amount -> Text,
        message -> Nullable<Text>,
        created_at -> Timestamp,
        cancelled_at -> Nullable<Timestamp>,
        token -> Nullable<Text>,
        answer -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    payments (id) {
        id -> BigInt,
        permit_id -> BigInt,
        user_id -> BigInt,
        method -> Text,
        provider_ref -> Text,
        amount_ore -> BigInt,
        payer_alias -> Nullable<Text>,
        status -> Text,
        error_code -> Nullable<Text>,
        polls -> Integer,
        next_poll_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        paid_at -> Nullable<Timestamp>,
        redirect_url -> Nullable<Text>,
    }
}

diesel::table! {
    sim_card_payments (id) {
        id -> Text,
        reference -> Text,
        amount -> BigInt,
        return_url -> Text,
        cancel_url -> Text,
        status -> Text,
        created_at -> Timestamp,
        charge_id -> Nullable<Text>,
    }
}

diesel::table! {
    sim_card_refunds (id) {
        id -> Text,
        charge_id -> Text,
        amount -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    counters (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    receipts (id) {
        id -> BigInt,
        number -> BigInt,
        payment_id -> BigInt,
        permit_id -> BigInt,
        issued_at -> Timestamp,
        seller_name -> Text,
        seller_address -> Text,
        seller_org_no -> Text,
        item -> Text,
        period -> Text,
        regnr -> Text,
        net_ore -> BigInt,
        vat_basis_points -> Integer,
        vat_ore -> BigInt,
        total_ore -> BigInt,
        method -> Text,
        provider_ref -> Text,
    }
}

diesel::joinable!(payments -> permits (permit_id));
diesel::joinable!(receipts -> payments (payment_id));

diesel::table! {
    sim_swish_refunds (id) {
        id -> Text,
        original_payment_reference -> Text,
        amount_ore -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        subject -> Text,
        before_value -> Nullable<Text>,
        after_value -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::joinable!(audit_log -> users (actor_id));
diesel::joinable!(permits -> users (user_id));
diesel::joinable!(permits -> permit_types (permit_type_id));
diesel::joinable!(permits -> car_parks (car_park_id));
diesel::joinable!(temporary_regnrs -> permits (permit_id));
diesel::joinable!(permit_pauses -> permits (permit_id));
diesel::joinable!(oncall_passes -> oncall_types (oncall_type_id));
diesel::joinable!(oncall_passes -> car_parks (car_park_id));
diesel::joinable!(oncall_passes -> users (user_id));
diesel::joinable!(day_sessions -> permits (permit_id));
diesel::joinable!(case_messages -> cases (case_id));
diesel::joinable!(refunds -> payments (payment_id));
diesel::joinable!(cases -> users (user_id));
diesel::joinable!(permit_events -> permits (permit_id));
diesel::joinable!(applications -> permits (permit_id));
diesel::joinable!(queue_entries -> users (user_id));
diesel::joinable!(queue_offers -> queue_entries (entry_id));

diesel::table! {
    user_totp (user_id) {
        user_id -> BigInt,
        secret -> Text,
        enabled_at -> Nullable<Timestamp>,
        last_step -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> BigInt,
        user_id -> BigInt,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_challenges (id_hash) {
        id_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        next_path -> Text,
        failures -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mobile_confirmations (user_id) {
        user_id -> BigInt,
        mobile -> Text,
        code_hash -> Text,
        sent_at -> Timestamp,
        failures -> Integer,
        confirmed_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(mobile_confirmations -> users (user_id));
diesel::joinable!(user_totp -> users (user_id));
diesel::joinable!(recovery_codes -> users (user_id));
diesel::joinable!(login_challenges -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    user_totp,
    mobile_confirmations,
    recovery_codes,
    login_challenges,
    sessions,
    permit_types,
    packages,
    car_parks,
    account_tokens,
    email_undo_tokens,
    login_attempts,
    rate_limits,
    notifications,
    permits,
    temporary_regnrs,
    permit_pauses,
    oncall_types,
    oncall_passes,
    day_sessions,
    cases,
    case_messages,
    refunds,
    permit_events,
    applications,
    payments,
    receipts,
    counters,
    audit_log,
    capacities,
    queue_entries,
    queue_offers,
);
