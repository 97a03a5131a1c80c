"""The ISAAC target: architecture (`arch`), mapper (`mapping`), lowering rules (`lowering`) and
event counters with their per-event energies (`events`)."""
