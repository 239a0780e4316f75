"""Writers that turn a wave's packs into files: one module per format."""
