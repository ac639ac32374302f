//! A payment attempt's status: pending until the provider says how it ended.

crate::code_enum! {
    /// Where a payment attempt is (the `payments.status` column).
    pub enum PaymentStatus("payment status") {
        /// Asked of the provider; the poller follows it until it is final.
        Pending = "pending",
        Paid = "paid",
        Declined = "declined",
        Error = "error",
        Cancelled = "cancelled",
        Timeout = "timeout",
    }
}

crate::code_enum! {
    /// Where a refund is (the `refunds.status` column).
    pub enum RefundStatus("refund status") {
        /// Recorded; not yet confirmed by the provider (sent, or to be sent).
        Pending = "pending",
        Done = "done",
        /// The provider refused it; an operator can send it again.
        Failed = "failed",
    }
}
