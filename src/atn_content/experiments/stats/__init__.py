"""The statistics of experiments: pure functions, no I/O (frequentist tests, Bayesian chance
to beat, always-valid sequential tests, power, Thompson bandits, the simulator)."""
