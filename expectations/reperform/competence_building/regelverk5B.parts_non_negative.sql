/* Counties with a competence-building amount (q05..q12) below {{ min_value }} kr. */
SELECT COALESCE(c.county, r.county_reported) AS county
FROM competence_building c
LEFT JOIN responses r ON r.grant_year = c.grant_year AND r.response_id = c.response_id
WHERE c.grant_year = {{ grant_year }}
  AND (c.course_leader_hdir_nok < {{ min_value }} OR c.course_leader_other_nok < {{ min_value }}
       OR c.method_courses_nok < {{ min_value }} OR c.health_communication_nok < {{ min_value }}
       OR c.user_involvement_nok < {{ min_value }} OR c.external_courses_nok < {{ min_value }}
       OR c.other_measures_nok < {{ min_value }} OR c.competence_total_nok < {{ min_value }})
