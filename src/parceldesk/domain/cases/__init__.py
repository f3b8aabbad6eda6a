"""Cases: one incident per problem parcel, its workflow, checklist, timeline and clocks."""
