"""Benchmarks that print figures beside their baselines (run from the repository root).

``python -m bench.run_all`` builds the 100,000-customer shop, measures an access request, the
memory of the web and worker processes, and writes ``bench/RESULTS.md``. Nothing here asserts a
timing: benchmarks measure and print.
"""
