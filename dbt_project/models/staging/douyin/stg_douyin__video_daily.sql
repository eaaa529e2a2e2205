{{ staging_by_day() }}
{{ stage_daily('douyin', 'video_daily', key=['content_id', 'business_date'], columns={
    'content_id': "record ->> 'item_id'",
    'account_id': "record ->> 'open_id'",
    'business_date': "business_date",
    'views': count_value("record ->> 'play'"),
    'likes': count_value("record ->> 'like'"),
    'comments': count_value("record ->> 'comment'"),
    'shares': count_value("record ->> 'share'"),
    'avg_watch_seconds': "cast(record -> 'base' ->> 'avg_play_duration' as double)",
}) }}
