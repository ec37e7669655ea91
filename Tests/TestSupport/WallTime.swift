/// The wall-time bound on "at once" for a test that measures across an `await`, or a server in this process.
///
/// At the start of a full run hundreds of tests share the two threads of Swift's cooperative pool, and a test
/// resumes behind its queue: one that slept 100 ms was seen resuming 5.6 s later on two cores, a client call that
/// ended in 300 ms was seen back in its test 19 s later on one core, and CI, slower, went past 10 s. So what such a
/// test tells apart from "at once" must take far longer than this: a fake that answers ``afterAnyTest``, an idle
/// timeout of 600 s. A bound of a few seconds belongs only around work on a thread of its own (``blocking(_:)``)
/// against a server on threads of its own.
public let atOnce: Duration = .seconds(120)

/// Longer than any test runs: the wait that ``atOnce`` tells apart, such as a fake NLPearl's delay.
public let afterAnyTest: Duration = .seconds(600)
