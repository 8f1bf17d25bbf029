// Condvar cases, run against `std::sync` and `lockprof::sync` (see `sync_parity.rs`): each is
// named after the test in std's own suite (library/std/tests/sync/condvar.rs) whose behaviour it
// checks. `locks` is the module under test. Like std's, they allow spurious wake-ups (lockprof's
// condition variable has none, std's may).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::channel;
use std::thread;
use std::time::Duration;

use locks::{Condvar, Mutex, WaitTimeoutResult};

#[test]
fn smoke() {
    let c = Condvar::new();
    c.notify_one();
    c.notify_all();
}

#[test]
fn notify_one() {
    let m = Arc::new(Mutex::new(false));
    let c = Arc::new(Condvar::new());
    let (m2, c2) = (Arc::clone(&m), Arc::clone(&c));
    let mut g = m.lock().unwrap();
    let t = thread::spawn(move || {
        *m2.lock().unwrap() = true;
        c2.notify_one();
    });
    while !*g {
        g = c.wait(g).unwrap();
    }
    drop(g);
    t.join().unwrap();
}

#[test]
fn notify_all() {
    const N: usize = 10;
    let data = Arc::new((Mutex::new(0), Condvar::new()));
    let (tx, rx) = channel();
    for _ in 0..N {
        let (data, tx) = (Arc::clone(&data), tx.clone());
        thread::spawn(move || {
            let (lock, cond) = &*data;
            let mut count = lock.lock().unwrap();
            *count += 1;
            if *count == N {
                tx.send(()).unwrap();
            }
            while *count != 0 {
                count = cond.wait(count).unwrap();
            }
            tx.send(()).unwrap();
        });
    }
    drop(tx);
    let (lock, cond) = &*data;
    rx.recv().unwrap();
    *lock.lock().unwrap() = 0;
    cond.notify_all();
    for _ in 0..N {
        rx.recv().unwrap();
    }
}

#[test]
fn test_mutex_arc_condvar() {
    // The parent waits, holding the lock until it waits; the child sets the flag under it.
    let packet = Arc::new((Mutex::new(false), Condvar::new()));
    let packet2 = Arc::clone(&packet);
    let (tx, rx) = channel();
    let child = thread::spawn(move || {
        rx.recv().unwrap();
        let (lock, cvar) = &*packet2;
        *lock.lock().unwrap() = true;
        cvar.notify_one();
    });
    let (lock, cvar) = &*packet;
    let mut guard = lock.lock().unwrap();
    tx.send(()).unwrap();
    assert!(!*guard);
    while !*guard {
        guard = cvar.wait(guard).unwrap();
    }
    drop(guard);
    child.join().unwrap();
}

#[test]
fn wait_while() {
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let pair2 = Arc::clone(&pair);
    thread::spawn(move || {
        let (lock, cvar) = &*pair2;
        *lock.lock().unwrap() = true;
        cvar.notify_one();
    });
    let (lock, cvar) = &*pair;
    let guard = cvar.wait_while(lock.lock().unwrap(), |started| !*started);
    assert!(*guard.unwrap());
}

#[test]
fn wait_timeout_wait() {
    let m = Mutex::new(());
    let c = Condvar::new();
    loop {
        let g = m.lock().unwrap();
        let (_g, result) = c.wait_timeout(g, Duration::from_millis(1)).unwrap();
        // A spurious wake-up (std) is not a time-out: wait again.
        if result.timed_out() {
            break;
        }
    }
}

#[test]
fn wait_timeout_while_wait() {
    let m = Mutex::new(());
    let c = Condvar::new();
    let g = m.lock().unwrap();
    let (_g, result) = c
        .wait_timeout_while(g, Duration::from_millis(1), |_| true)
        .unwrap();
    assert!(result.timed_out());
}

#[test]
fn wait_timeout_while_instant_satisfy() {
    let m = Mutex::new(());
    let c = Condvar::new();
    let g = m.lock().unwrap();
    let (_g, result) = c
        .wait_timeout_while(g, Duration::from_millis(0), |_| false)
        .unwrap();
    assert!(!result.timed_out());
}

#[test]
fn wait_timeout_while_wake() {
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let pair2 = Arc::clone(&pair);
    let (m, c) = &*pair;
    let g = m.lock().unwrap();
    let t = thread::spawn(move || {
        let (lock, cvar) = &*pair2;
        let mut started = lock.lock().unwrap();
        thread::sleep(Duration::from_millis(1));
        *started = true;
        cvar.notify_one();
    });
    // A duration too long for the clock: no time limit.
    let (g2, result) = c
        .wait_timeout_while(g, Duration::from_millis(u64::MAX), |&mut started| !started)
        .unwrap();
    assert!(!result.timed_out());
    assert!(*g2);
    drop(g2);
    t.join().unwrap();
}

#[test]
fn wait_timeout_wake() {
    let m = Arc::new(Mutex::new(()));
    let c = Arc::new(Condvar::new());
    loop {
        let g = m.lock().unwrap();
        let (m2, c2) = (Arc::clone(&m), Arc::clone(&c));
        let notified = Arc::new(AtomicBool::new(false));
        let notified2 = Arc::clone(&notified);
        let t = thread::spawn(move || {
            let _g = m2.lock().unwrap();
            thread::sleep(Duration::from_millis(1));
            notified2.store(true, Ordering::Relaxed);
            c2.notify_one();
        });
        let (g, result) = c.wait_timeout(g, Duration::from_millis(u64::MAX)).unwrap();
        assert!(!result.timed_out());
        drop(g);
        t.join().unwrap();
        // Woken spuriously (std) before the notify: again.
        if notified.load(Ordering::Relaxed) {
            break;
        }
    }
}

#[test]
#[allow(deprecated)]
fn wait_timeout_ms() {
    let m = Mutex::new(());
    let c = Condvar::new();
    loop {
        let (_g, notified) = c.wait_timeout_ms(m.lock().unwrap(), 1).unwrap();
        if !notified {
            break;
        }
    }
}

#[test]
fn const_new_in_a_static_and_default() {
    static READY: Condvar = Condvar::new();
    READY.notify_all();
    let c = Condvar::default();
    c.notify_one();
}

#[test]
fn wait_timeout_result_is_std_s_type() {
    // The result compares and copies as std's does; it is std's type where `locks` is std.
    let m = Mutex::new(());
    let c = Condvar::new();
    let (_g, a) = c
        .wait_timeout_while(m.lock().unwrap(), Duration::ZERO, |_| false)
        .unwrap();
    let b: WaitTimeoutResult = a;
    assert_eq!(a, b);
    assert_eq!(format!("{a:?}"), "WaitTimeoutResult(false)");
}
