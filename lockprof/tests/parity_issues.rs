//! parking_lot 0.13's regression tests tests/issue_203.rs and tests/issue_392.rs (MIT/Apache-2.0),
//! on lockprof's `RwLock`: only the `use` lines differ, and each is a module of this file.
#![allow(missing_docs, clippy::all)]

mod issue_203 {
    use lockprof::RwLock;
    use std::thread;

    struct Bar(RwLock<()>);

    impl Drop for Bar {
        fn drop(&mut self) {
            let _n = self.0.write();
        }
    }

    thread_local! {
        static B: Bar = const { Bar(RwLock::new(())) };
    }

    #[test]
    fn main() {
        thread::spawn(|| {
            B.with(|_| ());

            let a = RwLock::new(());
            let _a = a.read();
        })
        .join()
        .unwrap();
    }
}

mod issue_392 {
    use lockprof::RwLock;

    struct Lock(RwLock<i32>);

    #[test]
    fn issue_392() {
        let lock = Lock(RwLock::new(0));
        let mut rl = lock.0.upgradable_read();
        rl.with_upgraded(|_| {
            println!("lock upgrade");
        });
        rl.with_upgraded(|_| {
            println!("lock upgrade");
        });
    }
}
