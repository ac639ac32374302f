//! The statuses of the notification mailbox and of customer cases.

/// The channels of a notification (the `notifications.channel` column).
pub const EMAIL: &str = "email";
pub const SMS: &str = "sms";

crate::code_enum! {
    /// Where a notification is (the `notifications.status` column).
    pub enum NotificationStatus("notification status") {
        /// Waiting for its (next) attempt.
        Pending = "pending",
        Sent = "sent",
        /// Given up after its last attempt.
        Failed = "failed",
    }
}

crate::code_enum! {
    /// Whether a customer case is open (the `cases.status` column).
    pub enum CaseStatus("case status") {
        Open = "open",
        Closed = "closed",
    }
}
