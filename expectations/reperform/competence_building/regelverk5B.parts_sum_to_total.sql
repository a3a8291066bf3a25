/* Counties whose competence-building parts (q05..q11) do not sum to the total (q12); an unanswered
   part or total counts 0 once the other side is given. */
SELECT COALESCE(c.county, r.county_reported) AS county
FROM competence_building c
LEFT JOIN responses r ON r.grant_year = c.grant_year AND r.response_id = c.response_id
WHERE c.grant_year = {{ grant_year }}
  AND (c.parts_sum_nok IS NOT NULL OR c.competence_total_nok IS NOT NULL)
  AND COALESCE(c.parts_sum_nok, 0) <> COALESCE(c.competence_total_nok, 0)
