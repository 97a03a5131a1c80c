"""Accelerator targets: each is a sibling package holding what is specific to one machine.

A target supplies its architecture description, its mapper (how layers occupy the machine), its
lowering rules (a mapped network -> the target-neutral `isaacsim.plan.TimingPlan` plus per-node
event coefficients, `isaacsim.events`) and its component list with per-event energies. Everything
else (networks and layer kinds, crop traces, the engines, accounting, reports) is shared.

Today there is one target, ``isaac`` (the ISAAC paper's machine).
"""
