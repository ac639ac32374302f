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
