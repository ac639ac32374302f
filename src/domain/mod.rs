//! The rules of the domain as pure functions and parsed types: no I/O here.

pub mod catalogue;
pub mod check;
pub mod code;
pub mod daycard;
pub mod email;
pub mod ids;
pub mod mobile;
pub mod money;
pub mod name;
pub mod order;
pub mod password;
pub mod pause;
pub mod payment;
pub mod pdf;
pub mod permit;
pub mod permit_actions;
pub mod queue;
pub mod regnr;
pub mod role;
pub mod status;
pub mod text;
pub mod token;
pub mod totp;

pub use email::Email;
pub use ids::{
    CarParkId, CaseId, EntryId, OfferId, PackageId, PaymentId, PermitId, PermitTypeId, RefundId,
    UserId,
};
pub use mobile::MobileNumber;
pub use money::Money;
pub use name::Name;
pub use password::Password;
pub use regnr::RegNumber;
