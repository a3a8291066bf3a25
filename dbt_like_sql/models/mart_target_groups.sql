-- One row per grant year and target group: figure 2 (q15 målgrupper), the users the offer was
-- aimed at (q16) and the diagnosis-independent/specific shares (q17, q18). Percentages are of
-- all projects; a project can count in several rows ("Begge" counts in risk and chronic too).
-- Labels are the form's, word for word (a test compares them with the form schema).

with projects as (

    select * from {{ ref('projects') }}
    where grant_year = {{ grant_year }}

),

form_questions as (

    select * from {{ ref('form_questions') }}
    where grant_year = {{ grant_year }}

),

form_options as (

    select * from {{ ref('form_options') }}
    where grant_year = {{ grant_year }}

),

listed as (

    -- q15's and q16's options as the form words them, then q17 and q18 by their question
    select question_id, option_key as target_group, 100 * cast(substr(question_id, 2) as integer) + sort_order as rank,
        label
    from form_options
    where question_id in ('q15', 'q16')

    union all

    select question_id,
        case question_id when 'q17' then 'diagnosis_independent' else 'diagnosis_specific' end as target_group,
        100 * number as rank, coalesce(label, header) as label
    from form_questions
    where question_id in ('q17', 'q18')

),

options as (

    select question_id, target_group, row_number() over (order by rank) as sort_order, label
    from listed

),

project_options as (

    select
        options.*,
        case
            when options.question_id = 'q15' and options.target_group = 'risk' then projects.target_risk
            when options.question_id = 'q15' and options.target_group = 'chronic' then projects.target_chronic
            when options.question_id = 'q15' and options.target_group = 'both' then projects.target_both
            when options.question_id = 'q15' and options.target_group = 'other' then projects.target_other
            when options.target_group = 'all_ages' then projects.user_all_ages
            when options.target_group = 'elderly' then projects.user_elderly
            when options.target_group = 'adults' then projects.user_adults
            when options.target_group = 'pregnant' then projects.user_pregnant
            when options.target_group = 'children_youth' then projects.user_children_youth
            when options.target_group = 'sami' then projects.user_sami
            when options.target_group = 'immigrants' then projects.user_immigrants
            when options.question_id = 'q16' and options.target_group = 'other' then projects.user_other
            when options.target_group = 'diagnosis_independent' then projects.diagnosis_independent
            when options.target_group = 'diagnosis_specific' then projects.diagnosis_specific
        end as ticked

    from options
    -- every option once per project, and once with nothing when there is no project
    left join projects on true

),

project_count as (

    select count(*) as n_total_projects from projects

),

ticks as (

    select
        project_options.question_id,
        project_options.target_group,
        project_options.sort_order,
        project_options.label,
        sum(case when project_options.ticked = true then 1 else 0 end) as n_projects

    from project_options
    group by project_options.question_id, project_options.target_group, project_options.sort_order,
        project_options.label

),

final as (

    select
        {{ grant_year }} as grant_year,
        ticks.question_id,
        ticks.target_group,
        ticks.sort_order,
        ticks.label,
        ticks.n_projects,
        project_count.n_total_projects,
        {{ pct('ticks.n_projects', 'project_count.n_total_projects') }} as pct_of_projects

    from ticks
    cross join project_count

)

select * from final
