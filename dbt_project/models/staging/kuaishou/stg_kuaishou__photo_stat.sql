{{ staging_by_day() }}
-- Lifetime totals of each photo as of the end of business_date.
{{ stage_daily('kuaishou', 'photos', key=['content_id', 'business_date'], columns={
    'content_id': "record ->> 'photo_id'",
    'account_id': "record ->> 'account_id'",
    'business_date': "business_date",
    'views_total': count_value("record ->> 'view_count'"),
    'likes_total': count_value("record ->> 'like_count'"),
    'comments_total': count_value("record ->> 'comment_count'"),
}) }}
