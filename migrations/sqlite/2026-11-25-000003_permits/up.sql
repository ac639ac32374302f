-- Permits (period permits and day cards), with what was sold copied from the catalogue so a
-- later catalogue change never alters a sold permit; temporary registration numbers; the
-- history of every change; and the applications of "Extern betalande".

CREATE TABLE permits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    permit_type_id BIGINT NOT NULL REFERENCES permit_types (id),
    package_id BIGINT REFERENCES packages (id),
    car_park_id BIGINT NOT NULL REFERENCES car_parks (id),
    kind TEXT NOT NULL CHECK (kind IN ('period', 'day')),
    type_name_sv TEXT NOT NULL,
    type_name_en TEXT NOT NULL,
    package_name_sv TEXT,
    package_name_en TEXT,
    months INTEGER CHECK (months > 0),
    days_bought INTEGER CHECK (days_bought > 0),
    price_ore BIGINT NOT NULL CHECK (price_ore >= 0),
    vat_basis_points INTEGER NOT NULL CHECK (vat_basis_points >= 0),
    regnr TEXT NOT NULL,
    foreign_plate BOOLEAN NOT NULL DEFAULT FALSE,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('awaiting_approval', 'rejected', 'awaiting_payment', 'paid', 'cancelled')),
    reject_reason TEXT,
    confirm_key TEXT NOT NULL UNIQUE,
    renews_permit_id BIGINT REFERENCES permits (id),
    version INTEGER NOT NULL DEFAULT 0,
    reminder_sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (end_date >= start_date)
);
CREATE INDEX permits_user_id ON permits (user_id);
CREATE INDEX permits_regnr ON permits (regnr);
CREATE INDEX permits_state_end ON permits (state, end_date);

CREATE TABLE temporary_regnrs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    permit_id BIGINT NOT NULL REFERENCES permits (id) ON DELETE CASCADE,
    regnr TEXT NOT NULL,
    foreign_plate BOOLEAN NOT NULL DEFAULT FALSE,
    from_date DATE NOT NULL,
    to_date DATE NOT NULL,
    ended_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    CHECK (to_date >= from_date)
);
CREATE INDEX temporary_regnrs_permit_id ON temporary_regnrs (permit_id);
CREATE INDEX temporary_regnrs_regnr ON temporary_regnrs (regnr);

CREATE TABLE permit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    permit_id BIGINT NOT NULL REFERENCES permits (id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    by_user_id BIGINT REFERENCES users (id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX permit_events_permit_id ON permit_events (permit_id);

CREATE TABLE applications (
    permit_id BIGINT PRIMARY KEY NOT NULL REFERENCES permits (id) ON DELETE CASCADE,
    organisation TEXT NOT NULL,
    role TEXT NOT NULL,
    reason TEXT NOT NULL,
    attachment_name TEXT,
    attachment BLOB,
    created_at TIMESTAMP NOT NULL
);
