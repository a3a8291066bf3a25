-- One row per grant year and q21 partner: figure 3 of the report. The base is the collaborative
-- projects (is_collaborative: any partner ticked), as the report counts them; the share of all
-- projects stands beside it. 'Nei, det var ikke et samarbeidsprosjekt' is not a partner.
-- One row per form option, so the rows can be drawn side by side; the report's combined
-- "user or volunteer organisation" figure is in mart_national_summary.

with projects as (

    select * from {{ ref('projects') }}
    where grant_year = {{ grant_year }}

),

form_options as (

    select * from {{ ref('form_options') }}
    where grant_year = {{ grant_year }}

),

partners as (

    -- q21's options as the form words them; 'Nei, det var ikke et samarbeidsprosjekt' is no partner
    select option_key as partner, sort_order, label
    from form_options
    where question_id = 'q21' and option_key <> 'none'

),

collaborative_projects as (

    select * from projects
    where is_collaborative = true

),

project_partners as (

    select
        partners.*,
        case partners.partner
            when 'frisklivssentral' then collab_frisklivssentral
            when 'health_station' then collab_health_station
            when 'other_municipal' then collab_other_municipal
            when 'user_org' then collab_user_org
            when 'volunteer_org' then collab_volunteer_org
            when 'private' then collab_private
            when 'specialist' then collab_specialist
        end as involved

    from partners
    -- every partner once per collaborative project, and once with nothing when there is none
    left join collaborative_projects on true

),

involvement as (

    select
        project_partners.partner,
        project_partners.sort_order,
        project_partners.label,
        sum(case when project_partners.involved = true then 1 else 0 end) as n_projects

    from project_partners
    group by project_partners.partner, project_partners.sort_order, project_partners.label

),

project_counts as (

    select
        count(*) as n_all_projects,
        sum(case when is_collaborative = true then 1 else 0 end) as n_collaborative

    from projects

),

final as (

    select
        {{ grant_year }} as grant_year,
        involvement.partner,
        involvement.sort_order,
        involvement.label,
        involvement.n_projects,
        project_counts.n_collaborative,
        {{ pct('involvement.n_projects', 'project_counts.n_collaborative') }} as pct_of_collaborative,
        project_counts.n_all_projects,
        {{ pct('involvement.n_projects', 'project_counts.n_all_projects') }} as pct_of_all_projects

    from involvement
    cross join project_counts

)

select * from final
