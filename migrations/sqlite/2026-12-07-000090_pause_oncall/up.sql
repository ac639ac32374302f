-- Pausing a paid monthly or yearly permit (issue #39): each pause's days; the permit's end
-- moves later by them. A pause ended early keeps the days it had (to_date moves back).
CREATE TABLE permit_pauses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    permit_id BIGINT NOT NULL REFERENCES permits (id) ON DELETE CASCADE,
    from_date DATE NOT NULL,
    to_date DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);
CREATE INDEX permit_pauses_permit_id ON permit_pauses (permit_id);
-- How many pauses a permit of the type may have in 12 months (0: none).
ALTER TABLE permit_types ADD COLUMN max_pauses INTEGER NOT NULL DEFAULT 2;

-- On-call parking ("Jourparkering", issue #39): a type of its own (never sold in the
-- wizard), whose passes are valid for some hours, a number of them a calendar month.
CREATE TABLE oncall_types (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name_sv TEXT NOT NULL,
    name_en TEXT NOT NULL,
    price_ore BIGINT NOT NULL DEFAULT 0 CHECK (price_ore >= 0),
    pass_hours INTEGER NOT NULL CHECK (pass_hours > 0),
    passes_per_month INTEGER NOT NULL CHECK (passes_per_month > 0),
    active BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE TABLE oncall_passes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    oncall_type_id BIGINT NOT NULL REFERENCES oncall_types (id),
    car_park_id BIGINT NOT NULL REFERENCES car_parks (id),
    regnr TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    CHECK (ends_at > starts_at)
);
CREATE INDEX oncall_passes_regnr ON oncall_passes (regnr, ends_at);
CREATE INDEX oncall_passes_user ON oncall_passes (user_id, starts_at);
-- The demo type: employees, 0 kr, 12 hours a pass, 8 passes a month (CONTRACT.md).
INSERT INTO oncall_types (name_sv, name_en, price_ore, pass_hours, passes_per_month)
VALUES ('Jourparkering', 'On-call parking', 0, 12, 8);
