/* Counties whose competence-building section came in more than one distinct version
   (n_distinct_reports not in {{ value_set }}; the versions are in competence_building_conflicts). */
SELECT COALESCE(c.county, r.county_reported) AS county
FROM competence_building c
LEFT JOIN responses r ON r.grant_year = c.grant_year AND r.response_id = c.response_id
WHERE c.grant_year = {{ grant_year }} AND c.n_distinct_reports NOT IN ({{ value_set }})
