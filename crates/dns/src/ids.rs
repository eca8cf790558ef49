//! The query id allocator of one UDP socket.
//!
//! Ids come from a queue holding every free id, shuffled once: an id is taken from the front
//! and returned to the back when its query ends. So an id is never handed out while still in
//! flight, and a released id waits behind every other free id before it is reused, which keeps
//! a late answer to an old query from matching a new one (the question check catches the rest).

use std::collections::VecDeque;

/// Free 16-bit query ids of one socket.
#[derive(Debug)]
pub(crate) struct IdPool {
    free: VecDeque<u16>,
}

impl IdPool {
    /// All 65,536 ids, in an order drawn from `rng`.
    pub(crate) fn new(rng: &mut fastrand::Rng) -> Self {
        let mut ids: Vec<u16> = (0..=u16::MAX).collect();
        rng.shuffle(&mut ids);
        Self { free: ids.into() }
    }

    /// Takes a free id, or `None` if all 65,536 are in flight.
    pub(crate) fn take(&mut self) -> Option<u16> {
        self.free.pop_front()
    }

    /// Returns an id whose query has ended.
    pub(crate) fn release(&mut self, id: u16) {
        self.free.push_back(id);
    }

    /// Ids currently free.
    #[cfg(test)]
    pub(crate) fn free(&self) -> usize {
        self.free.len()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn never_hands_out_an_id_in_flight() {
        let mut rng = fastrand::Rng::with_seed(7);
        let mut pool = IdPool::new(&mut rng);
        let mut in_flight = HashSet::new();
        for round in 0..200_000u32 {
            if in_flight.len() < 50_000 && (round % 3 != 0 || in_flight.is_empty()) {
                let id = pool.take().expect("free id");
                assert!(in_flight.insert(id), "id {id} handed out twice");
            } else {
                let id = *in_flight.iter().next().expect("in flight");
                in_flight.remove(&id);
                pool.release(id);
            }
        }
        assert_eq!(pool.free() + in_flight.len(), 65_536);
    }

    #[test]
    fn exhausts_after_all_ids() {
        let mut rng = fastrand::Rng::with_seed(1);
        let mut pool = IdPool::new(&mut rng);
        for _ in 0..65_536 {
            assert!(pool.take().is_some());
        }
        assert_eq!(pool.take(), None);
        pool.release(9);
        assert_eq!(pool.take(), Some(9));
    }

    #[test]
    fn released_id_is_not_reused_at_once() {
        let mut rng = fastrand::Rng::with_seed(3);
        let mut pool = IdPool::new(&mut rng);
        let id = pool.take().expect("id");
        pool.release(id);
        for _ in 0..65_535 {
            assert_ne!(pool.take(), Some(id));
        }
    }
}
