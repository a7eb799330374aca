"""Public-opinion monitoring (网络舆情监测): sources fetched politely and stored raw first, items
extracted, grouped as near-duplicates, matched by topic rules, scored for sentiment and risk,
alerted to the people on duty, and worked as opinion incidents (found → verified → reported →
responded → closed)."""
