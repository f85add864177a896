"""The connectors' HTTP surface for outside systems."""
