/* The counties' allocations of the grant year do not sum to the appropriation less the development
   centres' share (a table-level finding, no county). */
SELECT NULL AS county
WHERE (SELECT COALESCE(SUM(a.allocation_nok), 0) FROM allocations a WHERE a.grant_year = {{ grant_year }})
   <> (SELECT t.appropriation_nok - t.development_centres_nok FROM grant_totals t WHERE t.grant_year = {{ grant_year }})
