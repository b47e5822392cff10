"""Messages of the kanban, calendar and gallery pages (en, zh-CN), merged into ``designer_ui.i18n.MESSAGES``.

Keys start with ``records.board.`` so they reach the browser's catalogue with the other ``records.`` texts.
"""
from __future__ import annotations

from designer_ui.i18n import MESSAGES as _CATALOGUE

_PAIRS: dict[str, tuple[str, str]] = {
    "records.board.views_nav": ("Views of this form", "本表单的视图"),
    "records.board.grid": ("Grid", "表格"),
    "records.board.kanban": ("Kanban", "看板"),
    "records.board.calendar": ("Calendar", "日历"),
    "records.board.gallery": ("Gallery", "画廊"),
    "records.board.group_field": ("Lanes by", "看板分组字段"),
    "records.board.date_field": ("Date field", "日期字段"),
    "records.board.image_field": ("Picture field", "图片字段"),
    "records.board.card_fields": ("Card fields", "卡片显示字段"),
    "records.board.empty_lane": ("(none)", "（未设置）"),
    "records.board.lane_count": ("{count} in all", "共 {count} 条"),
    "records.board.lane_more": ("Show more", "显示更多"),
    "records.board.move_to": ("Move “{title}” to", "将“{title}”移到"),
    "records.board.moved": ("“{title}” moved to {lane}.", "“{title}”已移到{lane}。"),
    "records.board.move_refused": ("“{title}” was not moved: {reason}", "“{title}”未移动：{reason}"),
    "records.board.stale": ("Someone changed this record meanwhile; reload to see it.", "该记录已被他人修改，请刷新后再试。"),
    "records.board.read_only": ("You may not change this field.", "您无权修改此字段。"),
    "records.board.rescheduled": ("“{title}” is now due {when}.", "“{title}”的时间已改为 {when}。"),
    "records.board.reschedule_refused": ("“{title}” was not rescheduled: {reason}", "“{title}”未改期：{reason}"),
    "records.board.planned": ("Planned reminders", "已计划的提醒"),
    "records.board.planned_none": ("No reminders planned.", "没有已计划的提醒。"),
    "records.board.today": ("Today", "今天"),
    "records.board.month": ("Month", "月"),
    "records.board.week": ("Week", "周"),
    "records.board.list": ("List", "列表"),
    "records.board.prev": ("Previous", "上一页"),
    "records.board.next": ("Next", "下一页"),
    "records.board.more_events": ("+{count} more", "还有 {count} 项"),
    "records.board.no_picture": ("No picture", "无图片"),
    "records.board.picture_of": ("Picture of {title}", "{title}的图片"),
    "records.board.load_more": ("Load more", "加载更多"),
    "records.board.shown": ("{shown} of {total}", "已显示 {shown} 条，共 {total} 条"),
    "records.board.empty": ("No records.", "没有记录。"),
    "records.board.untitled": ("Record #{id}", "记录 #{id}"),
}

MESSAGES: dict[str, dict[str, str]] = {
    "en": {key: en for key, (en, _zh) in _PAIRS.items()},
    "zh-CN": {key: zh for key, (_en, zh) in _PAIRS.items()},
}
for _locale, _texts in MESSAGES.items():
    _CATALOGUE[_locale].update(_texts)
