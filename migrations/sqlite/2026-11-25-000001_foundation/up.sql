-- Accounts, login sessions and the catalogue (permit types, packages, car parks).
-- Times are UTC; money is integer öre; VAT is in basis points (2500 = 25 %).

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    name TEXT NOT NULL,
    mobile TEXT NOT NULL,
    is_employee BOOLEAN NOT NULL DEFAULT FALSE,
    role TEXT NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'operator', 'admin')),
    language TEXT NOT NULL DEFAULT 'sv' CHECK (language IN ('sv', 'en')),
    notify_email BOOLEAN NOT NULL DEFAULT TRUE,
    notify_sms BOOLEAN NOT NULL DEFAULT FALSE,
    preferred_payment TEXT CHECK (preferred_payment IN ('swish', 'card')),
    swish_number TEXT,
    confirmed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE permit_types (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name_sv TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('period', 'day')),
    audience TEXT NOT NULL CHECK (audience IN ('employee', 'external')),
    needs_approval BOOLEAN NOT NULL DEFAULT FALSE,
    day_price_ore BIGINT CHECK (day_price_ore >= 0),
    day_validity_months INTEGER CHECK (day_validity_months > 0),
    max_days INTEGER CHECK (max_days > 0),
    vat_basis_points INTEGER NOT NULL DEFAULT 2500 CHECK (vat_basis_points >= 0),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order INTEGER NOT NULL DEFAULT 0,
    CHECK (kind = 'period' OR (day_price_ore IS NOT NULL AND day_validity_months IS NOT NULL AND max_days IS NOT NULL))
);

CREATE TABLE packages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    permit_type_id BIGINT NOT NULL REFERENCES permit_types (id),
    name_sv TEXT NOT NULL,
    name_en TEXT NOT NULL,
    months INTEGER NOT NULL CHECK (months > 0),
    price_ore BIGINT NOT NULL CHECK (price_ore >= 0),
    vat_basis_points INTEGER NOT NULL DEFAULT 2500 CHECK (vat_basis_points >= 0),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX packages_permit_type_id ON packages (permit_type_id);

CREATE TABLE car_parks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    site TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE
);
