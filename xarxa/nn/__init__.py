"""Neural-network building blocks: `Module`, layers, losses, initialisation."""
