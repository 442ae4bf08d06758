"""What recipients agreed to and asked for: suppression at render time (unsubscribes,
preferences, imported bounces and complaints, erasures), consents on record, and the
recipient's rights (access, erasure). A feature: content/ knows nothing of it.
"""
