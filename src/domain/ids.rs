//! Ids as their own types, so a permit's id cannot be passed where a user's is meant. Each is
//! an `i64` in the database (`BigInt` on both backends), read and written through diesel.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::BigInt;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident;)+) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash,
            AsExpression, FromSqlRow, serde::Serialize, serde::Deserialize,
        )]
        #[diesel(sql_type = BigInt)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// The number as stored.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                Self(id)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }

        impl<DB: Backend> FromSql<BigInt, DB> for $name
        where
            i64: FromSql<BigInt, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                i64::from_sql(bytes).map(Self)
            }
        }

        impl<DB: Backend> ToSql<BigInt, DB> for $name
        where
            i64: ToSql<BigInt, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.0.to_sql(out)
            }
        }
    )+};
}

id_type! {
    /// A customer's or staff member's account (`users.id`).
    UserId;
    /// A parking permit (`permits.id`).
    PermitId;
    /// One payment of a permit (`payments.id`).
    PaymentId;
    /// A customer case, "Meddelanden" (`cases.id`).
    CaseId;
    /// A refund of a payment (`refunds.id`).
    RefundId;
    /// A place in a queue for a full car park (`queue_entries.id`).
    EntryId;
    /// An offer of a freed place (`queue_offers.id`).
    OfferId;
    /// A car park (`car_parks.id`).
    CarParkId;
    /// A permit type of the catalogue (`permit_types.id`).
    PermitTypeId;
    /// A package (period and price) of a permit type (`packages.id`).
    PackageId;
    /// The on-call parking type of the catalogue (`oncall_types.id`).
    OnCallTypeId;
    /// One on-call parking pass (`oncall_passes.id`).
    PassId;
    /// A temporary registration number of a permit (`temporary_regnrs.id`).
    TemporaryId;
    /// A booked day of a day card (`day_sessions.id`).
    DaySessionId;
    /// A pause of a permit (`permit_pauses.id`).
    PauseId;
}
