-- Capacity and waiting lists (issue 18). A car park's capacity per permit type: NULL places
-- is no limit. The row is also what serialises the sales and offers of one car park and type
-- (each such transaction updates it first, so two instances take turns), and the queue
-- keeper's lease (locked_until) on that car park and type.
CREATE TABLE capacities (
    car_park_id BIGINT NOT NULL REFERENCES car_parks (id),
    permit_type_id BIGINT NOT NULL REFERENCES permit_types (id),
    places INTEGER CHECK (places IS NULL OR places >= 0),
    turn BIGINT NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (car_park_id, permit_type_id)
);

-- A user's place in the queue of one car park and type, in the order (sort_key, id).
CREATE TABLE queue_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    car_park_id BIGINT NOT NULL REFERENCES car_parks (id),
    permit_type_id BIGINT NOT NULL REFERENCES permit_types (id),
    joined_at TIMESTAMP NOT NULL,
    sort_key BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('waiting', 'offered', 'done', 'left', 'removed')),
    ended_at TIMESTAMP,
    end_reason TEXT
);
-- One place in a queue per user, car park and type.
CREATE UNIQUE INDEX queue_entries_one_per_user ON queue_entries (user_id, car_park_id, permit_type_id)
    WHERE status IN ('waiting', 'offered');
CREATE INDEX queue_entries_order ON queue_entries (car_park_id, permit_type_id, status, sort_key);

-- An offer of a freed place to the first in line. Open or accepted until it expires, it holds
-- the place; used once the order is placed (the permit then holds it).
CREATE TABLE queue_offers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id BIGINT NOT NULL REFERENCES queue_entries (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    car_park_id BIGINT NOT NULL REFERENCES car_parks (id),
    permit_type_id BIGINT NOT NULL REFERENCES permit_types (id),
    made_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'used', 'declined', 'expired', 'withdrawn')),
    decided_at TIMESTAMP,
    permit_id BIGINT REFERENCES permits (id),
    reminder_sent_at TIMESTAMP
);
-- Never two live offers for one place in the queue.
CREATE UNIQUE INDEX queue_offers_one_live ON queue_offers (entry_id) WHERE status IN ('open', 'accepted');
CREATE INDEX queue_offers_live ON queue_offers (car_park_id, permit_type_id, status);

-- An unpaid permit in a car park with a capacity holds its place until then.
ALTER TABLE permits ADD COLUMN hold_until TIMESTAMP;
