//! A payment attempt's status: pending until the provider says how it ended.

/// Where a payment attempt is (the `payments.status` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatus {
    /// Asked of the provider; the poller follows it until it is final.
    Pending,
    Paid,
    Declined,
    Error,
    Cancelled,
    Timeout,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 6] = [
        PaymentStatus::Pending,
        PaymentStatus::Paid,
        PaymentStatus::Declined,
        PaymentStatus::Error,
        PaymentStatus::Cancelled,
        PaymentStatus::Timeout,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Declined => "declined",
            PaymentStatus::Error => "error",
            PaymentStatus::Cancelled => "cancelled",
            PaymentStatus::Timeout => "timeout",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentStatus> {
        PaymentStatus::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// A status column that holds no known status.
#[derive(Debug, thiserror::Error)]
#[error("unknown payment status {0:?}")]
pub struct UnknownPaymentStatus(pub String);

/// Read from the database (`#[diesel(deserialize_as = String)]`).
impl TryFrom<String> for PaymentStatus {
    type Error = UnknownPaymentStatus;

    fn try_from(s: String) -> Result<PaymentStatus, UnknownPaymentStatus> {
        PaymentStatus::parse(&s).ok_or(UnknownPaymentStatus(s))
    }
}

#[cfg(test)]
mod tests {
    use super::PaymentStatus;

    #[test]
    fn every_status_reads_back_and_nothing_else_does() {
        for s in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::try_from(s.as_str().to_string()).unwrap(), s);
        }
        assert!(PaymentStatus::try_from("PAID".to_string()).is_err());
    }
}
