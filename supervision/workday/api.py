"""The working day over the API: `GET /api/v1/me/todo/`, the same items and counts as the home page."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import todo


class TodoItemSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="条目标识，如 my-unvisited")
    label = serializers.CharField(help_text="条目名称（按请求语言）")
    count = serializers.IntegerField(help_text="条数，等于 url 列出的行数")
    url = serializers.CharField(help_text="列出这些行的页面")
    warn = serializers.BooleanField(help_text="非零时为警示（逾期、受阻）")


class TodoSectionSerializer(serializers.Serializer):
    role = serializers.CharField(help_text="角色")
    label = serializers.CharField(help_text="角色名称")
    items = TodoItemSerializer(many=True)


class MyTodoView(APIView):
    @extend_schema(
        responses={200: TodoSectionSerializer(many=True)},
        summary="我的待办：按角色分组的待办条目和条数",
        description="与首页相同的条目与条数，按调用者的角色和范围计算（只读用户为空列表）。",
    )
    def get(self, request):
        sections = todo.todo_for(request.user)
        return Response(TodoSectionSerializer(sections, many=True).data)
