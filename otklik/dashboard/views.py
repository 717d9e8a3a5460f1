from django.shortcuts import render

from otklik.accounts.decorators import membership_required


@membership_required
def home(request):
    return render(request, "dashboard/home.html", {})
