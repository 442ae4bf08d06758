"""What a recipient's data says about them: RFM segment, lead score, loyalty tier.

Reaches templates as `profile` through an extension; the content engine imports none of it.
"""
