"""What a person is and how one moves: states, the kernel's schema, the rules, random numbers,
the synthetic population, the business cycle, config schemas and the Numba kernel.

The lowest layer: it imports nothing from the other layers, nor Mesa, Hydra or pandas.
"""
