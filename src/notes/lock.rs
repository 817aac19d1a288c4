//! A first-come-first-served async lock for a single thread.
//!
//! Vault writes await storage; JS may start the next `put` before the previous one
//! finished. Holding a `RefCell` borrow across the await would panic (and a panic
//! kills the Wasm module), so writes queue on this lock instead, in call order.

use std::cell::RefCell;
use std::collections::{BTreeSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

#[derive(Default)]
struct State {
    next_ticket: u64,
    serving: u64,
    /// Tickets whose futures were dropped before getting the lock.
    abandoned: BTreeSet<u64>,
    waiters: VecDeque<(u64, Waker)>,
}

impl State {
    fn advance(&mut self) {
        self.serving += 1;
        while self.abandoned.remove(&self.serving) {
            self.serving += 1;
        }
        let serving = self.serving;
        if let Some(pos) = self.waiters.iter().position(|(t, _)| *t == serving) {
            if let Some((_, w)) = self.waiters.remove(pos) {
                w.wake();
            }
        }
    }
}

/// The lock. Cheap to clone (shared state).
#[derive(Clone, Default)]
pub(crate) struct AsyncLock {
    state: Rc<RefCell<State>>,
}

/// Held while a write runs; releases on drop.
pub(crate) struct Guard {
    state: Rc<RefCell<State>>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.state.borrow_mut().advance();
    }
}

pub(crate) struct Acquire {
    state: Rc<RefCell<State>>,
    ticket: Option<u64>,
    done: bool,
}

impl AsyncLock {
    pub(crate) fn acquire(&self) -> Acquire {
        Acquire {
            state: self.state.clone(),
            ticket: None,
            done: false,
        }
    }
}

impl Future for Acquire {
    type Output = Guard;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Guard> {
        let state_rc = self.state.clone();
        let mut st = state_rc.borrow_mut();
        let ticket = match self.ticket {
            Some(t) => t,
            None => {
                let t = st.next_ticket;
                st.next_ticket += 1;
                self.ticket = Some(t);
                t
            }
        };
        if ticket == st.serving {
            st.waiters.retain(|(t, _)| *t != ticket);
            self.done = true;
            Poll::Ready(Guard {
                state: state_rc.clone(),
            })
        } else {
            match st.waiters.iter_mut().find(|(t, _)| *t == ticket) {
                Some(entry) => entry.1 = cx.waker().clone(),
                None => st.waiters.push_back((ticket, cx.waker().clone())),
            }
            Poll::Pending
        }
    }
}

impl Drop for Acquire {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if let Some(t) = self.ticket {
            let mut st = self.state.borrow_mut();
            st.waiters.retain(|(w, _)| *w != t);
            if t == st.serving {
                // Our turn came but we left: pass it on.
                st.advance();
            } else {
                st.abandoned.insert(t);
            }
        }
    }
}
