/* Projects of the grant year with an attainment criterion (q24..q35) unanswered: no answer and no
   unreadable one (an unreadable answer is in cleaning_issues, under the criterion's question). */
SELECT DISTINCT a.response_id
FROM project_attainment a
JOIN form_questions q ON q.grant_year = a.grant_year AND q.criterion_no = a.criterion_no
WHERE a.grant_year = {{ grant_year }} AND a.answer IS NULL
  AND NOT EXISTS (SELECT 1 FROM cleaning_issues ci
                  WHERE ci.grant_year = a.grant_year AND ci.response_id = a.response_id
                    AND ci.question_id = q.question_id AND ci.rule = q.question_id || '.attainment_value')
