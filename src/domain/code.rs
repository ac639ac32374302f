//! Closed sets of stored codes (a permit's state and kind, a payment's status, a role …) as
//! enums: [`code_enum!`] gives each its stored spelling, a parser, and diesel's reading and
//! writing as `Text` on both backends, so no code is compared or written as a bare string.

/// A column that holds a code no enum knows.
#[derive(Debug, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct UnknownCode {
    pub what: &'static str,
    pub value: String,
}

/// `code_enum! { /// doc \n pub enum Name("what") { Variant = "stored", … } }`
#[macro_export]
macro_rules! code_enum {
    ($(#[$doc:meta])* pub enum $name:ident($what:literal) {
        $($(#[$vdoc:meta])* $variant:ident = $code:literal,)+
    }) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stored spelling.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// From the stored spelling (`as_str` is the other way).
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        /// Read from the database (`#[diesel(deserialize_as = String)]`).
        impl TryFrom<String> for $name {
            type Error = $crate::domain::code::UnknownCode;

            fn try_from(value: String) -> Result<$name, $crate::domain::code::UnknownCode> {
                $name::parse(&value).ok_or($crate::domain::code::UnknownCode { what: $what, value })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Serialised as its stored spelling (the data export).
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<DB: diesel::backend::Backend> diesel::serialize::ToSql<diesel::sql_types::Text, DB>
            for $name
        where
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        impl<DB: diesel::backend::Backend> diesel::deserialize::FromSql<diesel::sql_types::Text, DB>
            for $name
        where
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let s = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                Ok($name::try_from(s)?)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::domain::payment::PaymentStatus;
    use crate::domain::permit::State;
    use crate::domain::permit_actions::Kind;
    use crate::domain::role::Role;

    fn round_trip<T: Copy + PartialEq + std::fmt::Debug + TryFrom<String>>(
        all: &[T],
        code: fn(T) -> &'static str,
    ) {
        for &v in all {
            assert_eq!(T::try_from(code(v).to_string()).ok(), Some(v));
        }
    }

    #[test]
    fn every_code_reads_back_and_nothing_else_does() {
        round_trip(PaymentStatus::ALL, PaymentStatus::as_str);
        round_trip(State::ALL, State::as_str);
        round_trip(Kind::ALL, Kind::as_str);
        round_trip(Role::ALL, Role::as_str);
        assert!(PaymentStatus::try_from("PAID".to_string()).is_err());
        let e = Role::try_from("root".to_string()).unwrap_err();
        assert_eq!(e.to_string(), "unknown role \"root\"");
    }
}
