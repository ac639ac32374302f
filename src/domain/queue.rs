//! Capacity and waiting lists ("kö"), as pure rules: what one car park and permit type hold
//! ([`Tally`]), who may buy, how many offers are due, and the expected wait shown to those in
//! line. The services read the counts under the car park's lock and act on these answers.
//!
//! - A place is taken by a permit that is paid or waits for payment and has not ended, and is
//!   held by a live offer (open or accepted, not expired).
//! - A buyer who is not first in line may buy only a place that nobody in the queue waits
//!   for: free places must outnumber those waiting. So a freed place always goes to the queue
//!   first, and a raised capacity serves the queue before new buyers.
//! - Offers go one per free place, to the first in line (the queue's order is the time each
//!   joined, unless the parking office moved someone, with a reason).
//! - Lowering the capacity below what is sold takes nothing away; it only stops new sales and
//!   offers until enough places have freed.

crate::code_enum! {
    /// A place in a queue.
    pub enum EntryStatus("queue entry status") {
        /// In line.
        Waiting = "waiting",
        /// First in line and offered a place (the offer says whether it is still live).
        Offered = "offered",
        /// Bought the place it was offered.
        Done = "done",
        /// Left the queue, declined or let the offer lapse.
        Left = "left",
        /// Removed by the parking office, with a reason.
        Removed = "removed",
    }
}

crate::code_enum! {
    /// An offer of a freed place.
    pub enum OfferStatus("queue offer status") {
        /// Sent; holds the place until it expires.
        Open = "open",
        /// "Tacka ja": the buying flow is open to the user; still holds the place until it expires.
        Accepted = "accepted",
        /// The order was placed: the permit holds the place now.
        Used = "used",
        /// "Tacka nej".
        Declined = "declined",
        /// Not answered, or accepted but not bought, in time.
        Expired = "expired",
        /// The user left the queue, or the parking office removed them.
        Withdrawn = "withdrawn",
    }
}

impl OfferStatus {
    /// Whether the offer still holds its place (given it has not expired).
    pub fn is_live(self) -> bool {
        OfferStatus::LIVE.contains(&self)
    }

    /// The statuses that hold a place (given the offer has not expired), for queries.
    pub const LIVE: [OfferStatus; 2] = [OfferStatus::Open, OfferStatus::Accepted];
}

/// What one car park and permit type hold at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// `None`: no limit.
    pub capacity: Option<i64>,
    /// Paid or unpaid permits that have not ended.
    pub taken: i64,
    /// Live offers.
    pub offered: i64,
    /// In line without an offer.
    pub waiting: i64,
}

impl Tally {
    /// Places neither taken nor held by an offer; `None` where there is no limit.
    pub fn free(&self) -> Option<i64> {
        self.capacity
            .map(|c| (c - self.taken - self.offered).max(0))
    }

    /// Whether someone who is not first in line may buy now.
    pub fn may_sell(&self) -> bool {
        self.free().is_none_or(|free| free > self.waiting)
    }

    /// How many of those waiting get an offer now: one per free place, to the first in line.
    /// Without a limit, everyone waiting may buy at once.
    pub fn offers_due(&self) -> i64 {
        match self.free() {
            None => self.waiting,
            Some(free) => free.min(self.waiting),
        }
    }
}

/// The wait expected by the one at a place in line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// No place has freed in the last 12 months: nothing to estimate from.
    Unknown,
    /// About this many months.
    Months(u32),
}

/// The wait for `place` in line, from how many places freed (were offered to the queue, or
/// sold freely after ending or being cancelled) in the last 12 months: place N waits until N
/// places have freed, at the year's pace; whole months, rounded up, at least one.
pub fn expected_wait(place: i64, freed_last_year: i64) -> Wait {
    if freed_last_year <= 0 || place <= 0 {
        return Wait::Unknown;
    }
    let months = (place * 12 + freed_last_year - 1) / freed_last_year;
    Wait::Months(u32::try_from(months.clamp(1, 999)).unwrap_or(999))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;

    #[test]
    fn a_free_place_goes_to_the_queue_before_a_new_buyer() {
        let t = Tally {
            capacity: Some(3),
            taken: 2,
            offered: 0,
            waiting: 1,
        };
        assert_eq!(t.free(), Some(1));
        assert!(!t.may_sell(), "the one free place is the queue's");
        assert_eq!(t.offers_due(), 1);
        let t = Tally { waiting: 0, ..t };
        assert!(t.may_sell());
        assert_eq!(t.offers_due(), 0);
    }

    #[test]
    fn no_limit_sells_always_and_serves_the_whole_queue() {
        let t = Tally {
            capacity: None,
            taken: 500,
            offered: 0,
            waiting: 4,
        };
        assert!(t.may_sell());
        assert_eq!(t.free(), None);
        assert_eq!(t.offers_due(), 4);
    }

    #[test]
    fn lowering_capacity_below_what_is_sold_only_stops_sales() {
        let t = Tally {
            capacity: Some(1),
            taken: 3,
            offered: 1,
            waiting: 2,
        };
        assert_eq!(t.free(), Some(0));
        assert!(!t.may_sell());
        assert_eq!(t.offers_due(), 0);
    }

    #[test]
    fn expected_wait_at_the_years_pace() {
        assert_eq!(expected_wait(1, 0), Wait::Unknown);
        assert_eq!(expected_wait(1, 12), Wait::Months(1));
        assert_eq!(expected_wait(3, 12), Wait::Months(3));
        assert_eq!(expected_wait(1, 4), Wait::Months(3));
        assert_eq!(expected_wait(2, 5), Wait::Months(5), "24/5 rounds up");
        assert_eq!(expected_wait(1, 100), Wait::Months(1), "at least a month");
        for s in [EntryStatus::Waiting, EntryStatus::Removed] {
            assert_eq!(EntryStatus::parse(s.as_str()), Some(s));
        }
        assert!(OfferStatus::Accepted.is_live() && !OfferStatus::Used.is_live());
    }

    /// What may happen to one car park and type.
    #[derive(Debug, Clone)]
    enum Step {
        /// Someone not in line wants to buy: buys if allowed, else queues.
        Buy(u8),
        /// A permit ends or is cancelled.
        Free,
        /// The first live offer is accepted and bought.
        Accept,
        /// The first live offer is declined or lapses.
        Lapse,
        /// The office sets the capacity.
        Capacity(Option<u8>),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (0u8..12).prop_map(Step::Buy),
            2 => Just(Step::Free),
            2 => Just(Step::Accept),
            1 => Just(Step::Lapse),
            1 => proptest::option::of(0u8..6).prop_map(Step::Capacity),
        ]
    }

    /// The model: permits, the queue in order, the live offers (by user, in the order made).
    #[derive(Default)]
    struct Park {
        capacity: Option<i64>,
        taken: i64,
        queue: VecDeque<u8>,
        offers: VecDeque<u8>,
    }

    impl Park {
        fn tally(&self) -> Tally {
            Tally {
                capacity: self.capacity,
                taken: self.taken,
                offered: self.offers.len() as i64,
                waiting: self.queue.len() as i64,
            }
        }
        /// The keeper's round: the offers due, to the first in line.
        fn allocate(&mut self) {
            for _ in 0..self.tally().offers_due() {
                let first = self.queue.pop_front().expect("offers_due ≤ waiting");
                self.offers.push_back(first);
            }
        }
    }

    proptest! {
        /// Whatever happens, in any order: a sale or an offer never takes more places than the
        /// capacity, a buyer never passes someone waiting for a free place, offers go in queue
        /// order, one live offer per user, and nobody waits while a place is free.
        #[test]
        fn allocation_is_within_capacity_and_in_queue_order(
            cap in proptest::option::of(0i64..5),
            steps in proptest::collection::vec(step(), 1..80),
        ) {
            let mut park = Park { capacity: cap, ..Park::default() };
            let mut joined: Vec<u8> = Vec::new();
            for s in steps {
                let before = park.taken + park.offers.len() as i64;
                match s {
                    Step::Buy(user) => {
                        if park.queue.contains(&user) || park.offers.contains(&user) {
                            continue; // one place in line per user
                        }
                        let t = park.tally();
                        if t.may_sell() {
                            prop_assert!(t.free().is_none_or(|f| f > t.waiting));
                            park.taken += 1;
                        } else {
                            park.queue.push_back(user);
                            joined.push(user);
                        }
                    }
                    Step::Free => park.taken = (park.taken - 1).max(0),
                    Step::Accept => {
                        if park.offers.pop_front().is_some() {
                            park.taken += 1; // the offer's place becomes the permit's
                        }
                    }
                    Step::Lapse => { park.offers.pop_front(); }
                    Step::Capacity(c) => park.capacity = c.map(i64::from),
                }
                let offered_before: Vec<u8> = park.offers.iter().copied().collect();
                park.allocate();
                let after = park.taken + park.offers.len() as i64;
                if let Some(c) = park.capacity && after > before {
                    prop_assert!(after <= c, "{after} places taken or held, capacity {c}");
                }
                // Offers made in this round went to those who joined first among the waiting.
                let new: Vec<u8> = park.offers.iter().skip(offered_before.len()).copied().collect();
                let order = |u: &u8| joined.iter().rposition(|j| j == u);
                prop_assert!(new.windows(2).all(|w| order(&w[0]) < order(&w[1])));
                if let Some(first_waiting) = park.queue.front() {
                    prop_assert!(new.iter().all(|u| order(u) < order(first_waiting)));
                }
                // Nobody waits while a place is free for them.
                let t = park.tally();
                prop_assert!(t.waiting == 0 || t.free() == Some(0));
                let mut live: Vec<u8> = park.offers.iter().chain(park.queue.iter()).copied().collect();
                live.sort_unstable();
                let n = live.len();
                live.dedup();
                prop_assert_eq!(n, live.len(), "one place per user");
            }
        }
    }
}
