"""The institutions as Mesa agents (NAV, the county authority with OT, the labour market, the
cooperation agreement), the ``CrossSectorModel`` that runs one replicate, and the person-level
Mesa engine that runs the kernel's own rules one agent at a time."""
