//! What an account may do: buy permits (every account), run the operator portal, and invite
//! staff (admins).

crate::code_enum! {
    /// The `users.role` column.
    pub enum Role("role") {
        Customer = "customer",
        Operator = "operator",
        Admin = "admin",
    }
}

impl Role {
    /// May use the operator portal.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Operator | Role::Admin)
    }
}
